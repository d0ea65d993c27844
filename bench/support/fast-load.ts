// The benchmarks' fast loader (bench:api --loader copy): the ledger and read models the
// ingest would write for a message stream, without the ingest's per-batch round trips.
// The ledger goes through appendBatch itself (leaf codec, hashesToAppend, binary COPY) in
// large chunks; the read-model rows come from the projection's own handlers (lineageRows)
// and keep rules, merged over the whole stream: rows one per entry are copied straight in,
// keyed rows are copied into a scratch table per read model and the winners of the whole
// stream inserted once at the end (the same order the projection's ON CONFLICT rules use).
// Vendor holdings are derived from the finished tables (what the per-batch statement adds
// up to, since members only ever move earlier) and the receipts from the holdings, as that
// statement does; then the findings worker's rounds run and the sequencer's checkpoint is
// signed. test/medium/bench/fast-load.medium.ts holds it equal
// to the ingest path's tables.
import { pendingEntryOf, tooLargeReason } from '../../apps/ingest/src/pending-entry';
import type { DemoMessage } from '@scantrail/demo';
import type { NoteSigner } from '@scantrail/ledger';
import {
  completeFindings,
  keptRows,
  LINEAGE_TABLES,
  lineageRows,
  type BatchRow,
  type ColumnType,
  type ReadModelTable,
} from '@scantrail/projection';
import {
  appendBatch,
  BinaryCopyEncoder,
  ALL_VENDOR_HOLDINGS,
  ALL_RESOLVED_STUDIES,
  ALL_VENDOR_STATISTICS,
  CheckpointStore,
  copyIn,
  LedgerLog,
  OffsetStore,
  QuarantineStore,
  rfc3339Micros,
  type PendingEntry,
  type QuarantineItem,
} from '@scantrail/storage';
import type { ClientBase } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

export interface FastLoadOptions {
  origin: string;
  pseudonymKey: Buffer;
  /** Signs the checkpoint of the loaded log, as the ingest's checkpointer would. */
  signer: NoteSigner;
  /** Kafka coordinates the offsets and quarantine rows are recorded under. */
  topic: string;
  group: string;
  /** Messages per transaction (the ledger's appendBatch and the COPYs of one chunk). */
  chunk?: number;
  onProgress?: (progress: FastLoadProgress) => void;
}

export interface FastLoadProgress {
  messages: number;
  entries: number;
  seconds: number;
}

/** Seconds each part took, for the benchmark's report. */
export interface FastLoadTimings {
  /** Decode, pseudonymize, ledger append, per-entry rows and scratch rows, chunk by chunk. */
  stream: number;
  /** The keyed read models' winners over the whole stream. */
  merge: number;
  vendorReceipts: number;
  findings: number;
  checkpoint: number;
}

export interface FastLoadResult {
  messages: number;
  entries: number;
  duplicates: number;
  quarantined: number;
  timings: FastLoadTimings;
}

const DEFAULT_CHUNK = 20_000;

/**
 * Every receipt the per-batch vendor-holdings-and-receipts statement would have added over
 * the stream: as there, each (vendor, study) of a kept receipt (kind R) in rm_vendor_holdings.
 */
const ALL_VENDOR_RECEIPTS = `
  INSERT INTO rm_vendor_receipts (vendor_id, study_uid)
  SELECT DISTINCT vendor_id, study_uid FROM rm_vendor_holdings WHERE kind = 'R'
  ON CONFLICT DO NOTHING`;

const scratchName = (table: ReadModelTable): string => `fast_load_${table.name}`;

/** Where a keyed table's rows land first: the whole stream's, before the winners are kept. */
function copyTarget(table: ReadModelTable): string {
  return table.keep.kind === 'every' ? table.name : scratchName(table);
}

/** The winners of the whole stream, by the order keptRows and the ON CONFLICT rules use. */
function mergeStatement(table: ReadModelTable): string {
  const names = Object.keys(table.columns).join(', ');
  const { keep } = table;
  if (keep.kind === 'every') throw new Error(`${table.name} keeps every row: nothing to merge`);
  const key = keep.kind === 'latest' ? [keep.key] : [...keep.key];
  const order =
    keep.kind === 'latest'
      ? 'event_time DESC, ledger_sequence DESC'
      : `${keep.by} ASC, ledger_sequence ASC`;
  return `INSERT INTO ${table.name} (${names})
          SELECT DISTINCT ON (${key.join(', ')}) ${names} FROM ${scratchName(table)}
           ORDER BY ${key.join(', ')}, ${order}`;
}

/** One field in the binary format of its column's type, as jsonb_to_recordset would cast it. */
function encodeField(out: BinaryCopyEncoder, type: ColumnType, value: unknown): void {
  if (value === null || value === undefined) {
    out.null();
    return;
  }
  switch (type) {
    case 'text':
      out.text(value as string);
      return;
    case 'bigint':
      out.int8(value as number);
      return;
    case 'integer':
      out.int4(value as number);
      return;
    case 'boolean':
      out.bool(value as boolean);
      return;
    case 'jsonb':
      out.jsonb(JSON.stringify(value));
      return;
    case 'text[]':
      out.textArray(value as readonly (string | null)[]);
      return;
    case 'timestamptz': {
      const micros = rfc3339Micros(value as string);
      // The handlers give ISO instants; anything else would need PostgreSQL's own parser.
      if (micros === undefined) throw new Error(`fast load: a time it cannot encode exactly`);
      out.timestamptzMicros(micros);
      return;
    }
  }
}

function encodeRows(table: ReadModelTable, rows: readonly BatchRow[]): Buffer {
  const columns = Object.entries(table.columns);
  const out = new BinaryCopyEncoder(rows.length * 256 + 64);
  for (const row of rows) {
    out.row(columns.length);
    for (const [name, type] of columns) encodeField(out, type, row[name]);
  }
  return out.finish();
}

async function clientOf(runner: QueryRunner): Promise<ClientBase> {
  return (await (runner as PostgresQueryRunner).connect()) as ClientBase;
}

/**
 * Loads `messages` into an empty, migrated database as the ingest would have recorded them
 * (one partition, offsets from 0), evaluates the findings and signs a checkpoint.
 */
export async function fastLoad(
  db: DataSource,
  messages: Iterable<DemoMessage>,
  options: FastLoadOptions,
): Promise<FastLoadResult> {
  const chunkSize = options.chunk ?? DEFAULT_CHUNK;
  const log = new LedgerLog(options.origin);
  const offsets = new OffsetStore(options.group, options.topic);
  const quarantine = new QuarantineStore();
  const keyed = LINEAGE_TABLES.filter((t) => t.keep.kind !== 'every');
  const result: FastLoadResult = {
    messages: 0,
    entries: 0,
    duplicates: 0,
    quarantined: 0,
    timings: { stream: 0, merge: 0, vendorReceipts: 0, findings: 0, checkpoint: 0 },
  };
  const started = performance.now();
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    for (const table of keyed) {
      await runner.query(
        `CREATE TEMP TABLE ${scratchName(table)} (LIKE ${table.name} INCLUDING DEFAULTS)`,
      );
    }
    const iterator = messages[Symbol.iterator]();
    let done = false;
    while (!done) {
      const chunk: DemoMessage[] = [];
      while (chunk.length < chunkSize) {
        const next = iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        chunk.push(next.value);
      }
      if (chunk.length === 0) break;
      const firstOffset = result.messages;
      result.messages += chunk.length;

      await runner.startTransaction('READ COMMITTED');
      try {
        await offsets.lockPartition(runner.manager, 0);
        const refused: QuarantineItem[] = [];
        const pending: PendingEntry[] = [];
        const offsetOf = new Map<PendingEntry, number>();
        const refuse = (at: number, reason: string): void => {
          const m = chunk[at];
          refused.push({
            topic: options.topic,
            partition: 0,
            offset: String(firstOffset + at),
            reason,
            key: Buffer.from(m.key),
            value: m.value,
          });
        };
        chunk.forEach((m, i) => {
          const prepared = pendingEntryOf(m.value, options.pseudonymKey);
          if ('reason' in prepared) {
            refuse(i, prepared.reason);
            return;
          }
          const { entry } = prepared;
          pending.push(entry);
          offsetOf.set(entry, i);
        });
        const { appended, duplicates, oversized } = await appendBatch(runner.manager, log, pending);
        for (const { entry, leafBytes } of oversized) {
          refuse(offsetOf.get(entry) as number, tooLargeReason(leafBytes));
        }
        refused.sort((a, b) => Number(a.offset) - Number(b.offset));
        const rows = lineageRows(appended);
        const client = await clientOf(runner);
        for (const table of LINEAGE_TABLES) {
          const batch = keptRows(table.keep, rows.get(table) ?? []);
          if (batch.length === 0) continue;
          const names = Object.keys(table.columns).join(', ');
          await copyIn(
            client,
            `COPY ${copyTarget(table)} (${names}) FROM STDIN (FORMAT binary)`,
            encodeRows(table, batch),
          );
        }
        await quarantine.add(runner.manager, refused);
        await offsets.store(runner.manager, 0, BigInt(result.messages));
        await runner.commitTransaction();
        result.entries += appended.length;
        result.duplicates += duplicates;
        result.quarantined += refused.length;
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
      options.onProgress?.({
        messages: result.messages,
        entries: result.entries,
        seconds: (performance.now() - started) / 1000,
      });
    }
    result.timings.stream = (performance.now() - started) / 1000;

    let mark = performance.now();
    for (const table of keyed) {
      await runner.query(mergeStatement(table));
      await runner.query(`DROP TABLE ${scratchName(table)}`);
    }
    result.timings.merge = (performance.now() - mark) / 1000;
    mark = performance.now();
    await runner.query(ALL_VENDOR_HOLDINGS);
    await runner.query(ALL_VENDOR_RECEIPTS);
    await runner.query(ALL_RESOLVED_STUDIES);
    for (const statement of ALL_VENDOR_STATISTICS) await runner.query(statement);
    result.timings.vendorReceipts = (performance.now() - mark) / 1000;
  } finally {
    await runner.release();
  }

  let mark = performance.now();
  await completeFindings(db, log);
  result.timings.findings = (performance.now() - mark) / 1000;
  mark = performance.now();
  await new CheckpointStore(db, log, options.signer).checkpointNow();
  result.timings.checkpoint = (performance.now() - mark) / 1000;
  return result;
}
