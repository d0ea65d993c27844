import type { HashReader } from '@scantrail/ledger';
import type { Queryable } from '../database/queryable';

/** Reads stored Merkle subtree hashes in one indexed query, in the order asked. */
export function storedHashReader(db: Queryable): HashReader {
  return async (indexes) => {
    if (indexes.length === 0) return [];
    const rows = (await db.query(
      'SELECT idx::text AS idx, hash FROM ledger_hashes WHERE idx = ANY($1::bigint[])',
      [indexes.map(String)],
    )) as { idx: string; hash: Buffer }[];
    const byIndex = new Map(rows.map((r) => [Number(r.idx), r.hash]));
    return indexes.map((i) => {
      const hash = byIndex.get(i);
      if (!hash) throw new Error(`ledger: stored hash ${i} is missing; run verify`);
      return hash;
    });
  };
}
