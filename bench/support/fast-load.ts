// The benchmarks' fast loader (bench:api --loader copy): the ledger and read models the
// ingest would write for a message stream, without the ingest's per-batch round trips.
// Entries are prepared (decoded, validated, pseudonymized: the ingest's pendingEntryOf) on
// worker threads a few chunks ahead (prepare-pool.ts). The ledger goes through appendBatch
// itself (leaf codec, hashesToAppend, binary COPY) in large chunks; the read-model rows
// come from the projection's own handlers (lineageRows) and keep rules, merged over the
// whole stream: rows one per entry are copied straight in, keyed rows are copied into a
// scratch table per read model and the winners of the whole stream inserted once at the
// end (the same order the projection's ON CONFLICT rules use). With rebuildIndexes the
// read models' secondary indexes are dropped first and built once their tables are filled.
// Vendor holdings are derived from the finished tables (what the per-batch statement adds
// up to, since members only ever move earlier) and the receipts from the holdings, as that
// statement does; then the findings are evaluated over the whole ledger, family by family
// (fast-findings.ts: what the findings worker's rounds converge to), and the sequencer's
// checkpoint is signed. test/medium/bench/fast-load.medium.ts holds it equal to the
// ingest path's tables.
import { tooLargeReason } from '../../apps/ingest/src/pending-entry';
import type { DemoMessage } from '@scantrail/demo';
import { keepAllDeletionObligations } from '@scantrail/queries';
import type { NoteSigner } from '@scantrail/ledger';
import {
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
  ALL_ACCOUNTING_ROWS,
  ALL_STUDY_LABELS,
  ALL_VENDOR_STATISTICS,
  allBreachImpact,
  CheckpointStore,
  copyIn,
  LedgerLog,
  OffsetStore,
  QuarantineStore,
  READ_MODEL_TABLES,
  rfc3339Micros,
  type PendingEntry,
  type QuarantineItem,
} from '@scantrail/storage';
import type { ClientBase } from 'pg';
import { evaluateWholeFindings, type WholeFindingsResult } from './fast-findings';
import { PreparePool, type Prepared } from './prepare-pool';
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
  /**
   * Drop the read models' secondary indexes for the load and build them again once their
   * rows are in (as pg_restore does), instead of keeping them up row by row. Needs a
   * connection that owns the tables (the schema owner, or a superuser).
   */
  rebuildIndexes?: boolean;
  /**
   * Worker threads that decode, validate and pseudonymize the next chunks (pendingEntryOf)
   * while the loader appends the current one; 0 (the default) prepares inline.
   */
  prepareThreads?: number;
  /** Studies whose findings are evaluated together (whole derivation families). */
  findingsGroupStudies?: number;
  onProgress?: (progress: FastLoadProgress) => void;
  /** Called as each part after the stream ends, with the seconds it took. */
  onPart?: (part: keyof FastLoadTimings, seconds: number) => void;
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
  /** Building the read models' secondary indexes again (rebuildIndexes). */
  indexes: number;
  vendorReceipts: number;
  findings: number;
  checkpoint: number;
}

export interface FastLoadResult {
  messages: number;
  entries: number;
  duplicates: number;
  quarantined: number;
  findings: WholeFindingsResult;
  timings: FastLoadTimings;
}

const DEFAULT_CHUNK = 20_000;
const MAINTENANCE_WORK_MEM = '256MB';
/** For the merges' and derived tables' sorts and hashes over the whole stream. */
const WORK_MEM = '128MB';

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
    findings: { studies: 0, families: 0, groups: 0, findings: 0 },
    timings: { stream: 0, merge: 0, indexes: 0, vendorReceipts: 0, findings: 0, checkpoint: 0 },
  };
  const started = performance.now();
  const threads = options.prepareThreads ?? 0;
  const pool = new PreparePool(threads, options.pseudonymKey);
  const runner = db.createQueryRunner();
  await runner.connect();
  let mark: number;
  try {
    // The loader's own session: a crash loses the load whatever is flushed, so its
    // commits need not wait for the WAL; index builds and merges get memory to sort in.
    await runner.query('SET synchronous_commit = off');
    await runner.query(`SET maintenance_work_mem = '${MAINTENANCE_WORK_MEM}'`);
    await runner.query(`SET work_mem = '${WORK_MEM}'`);
    const dropped = options.rebuildIndexes ? await dropSecondaryIndexes(runner) : [];
    for (const table of keyed) {
      await runner.query(
        `CREATE TEMP TABLE ${scratchName(table)} (LIKE ${table.name} INCLUDING DEFAULTS)`,
      );
    }
    const iterator = messages[Symbol.iterator]();
    let exhausted = false;
    const readChunk = (): DemoMessage[] => {
      const chunk: DemoMessage[] = [];
      while (!exhausted && chunk.length < chunkSize) {
        const next = iterator.next();
        if (next.done) exhausted = true;
        else chunk.push(next.value);
      }
      return chunk;
    };
    // Chunks read ahead and handed to the pool: its threads prepare the next chunks while
    // this one numbers, hashes and copies the current one.
    const ahead: { chunk: DemoMessage[]; prepared: Promise<Prepared[]> }[] = [];
    const readAhead = (): void => {
      while (!exhausted && ahead.length <= threads) {
        const chunk = readChunk();
        if (chunk.length === 0) break;
        const prepared = pool.prepare(chunk.map((m) => m.value));
        prepared.catch(() => undefined); // awaited in turn below; no unhandled rejection meanwhile
        ahead.push({ chunk, prepared });
      }
    };
    for (;;) {
      readAhead();
      const next = ahead.shift();
      if (next === undefined) break;
      const { chunk } = next;
      const preparedChunk = await next.prepared;
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
        preparedChunk.forEach((prepared, i) => {
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
    options.onPart?.('stream', result.timings.stream);

    mark = performance.now();
    for (const table of keyed) {
      await runner.query(mergeStatement(table));
      await runner.query(`DROP TABLE ${scratchName(table)}`);
    }
    result.timings.merge = (performance.now() - mark) / 1000;
    options.onPart?.('merge', result.timings.merge);
    mark = performance.now();
    // Indexes of the tables filled so far now (the statements below read them); those of
    // the tables still empty (vendor holdings and statistics, findings) once filled.
    const later: DroppedIndex[] = [];
    for (const index of dropped) {
      if (await isEmpty(runner, index.table)) later.push(index);
      else await runner.query(index.definition);
    }
    // Statistics for the statements below and the findings' queries (autovacuum would
    // take them later; the rows are what they are either way).
    await runner.query(`ANALYZE ${READ_MODEL_TABLES.join(', ')}`);
    result.timings.indexes = (performance.now() - mark) / 1000;
    options.onPart?.('indexes', result.timings.indexes);
    mark = performance.now();
    await runner.query(ALL_VENDOR_HOLDINGS);
    await runner.query(ALL_VENDOR_RECEIPTS);
    await runner.query(ALL_RESOLVED_STUDIES);
    await runner.query(ALL_STUDY_LABELS);
    await runner.query(ALL_ACCOUNTING_ROWS);
    for (const statement of ALL_VENDOR_STATISTICS) await runner.query(statement);
    await allBreachImpact(runner);
    await keepAllDeletionObligations(runner);
    result.timings.vendorReceipts = (performance.now() - mark) / 1000;
    options.onPart?.('vendorReceipts', result.timings.vendorReceipts);

    mark = performance.now();
    const client = await clientOf(runner);
    const reader = db.createQueryRunner();
    await reader.connect();
    try {
      result.findings = await evaluateWholeFindings(
        runner.manager,
        client,
        result.entries - 1,
        options.findingsGroupStudies,
        reader.manager,
      );
    } finally {
      await reader.release();
    }
    result.timings.findings = (performance.now() - mark) / 1000;
    options.onPart?.('findings', result.timings.findings);
    mark = performance.now();
    for (const index of later) await runner.query(index.definition);
    await runner.query(
      `ANALYZE ${[...new Set(later.map((i) => i.table)), 'rm_finding_rows', 'rm_finding_details'].join(', ')}`,
    );
    result.timings.indexes += (performance.now() - mark) / 1000;
  } finally {
    await runner.release();
    await pool.close();
  }

  mark = performance.now();
  await new CheckpointStore(db, log, options.signer).checkpointNow();
  result.timings.checkpoint = (performance.now() - mark) / 1000;
  options.onPart?.('checkpoint', result.timings.checkpoint);
  return result;
}

async function isEmpty(runner: QueryRunner, table: string): Promise<boolean> {
  const found = await runner.manager.query<{ filled: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM ${table}) AS filled`,
  );
  return !found[0].filled;
}

interface DroppedIndex {
  table: string;
  /** Its CREATE INDEX statement, as pg_get_indexdef gives it. */
  definition: string;
}

/** Drops the read models' indexes that back no constraint; returns how to build them again. */
async function dropSecondaryIndexes(runner: QueryRunner): Promise<DroppedIndex[]> {
  const found = await runner.manager.query<{ name: string; table: string; definition: string }[]>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(x.relname) AS name, t.relname AS table,
            pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
       JOIN pg_class x ON x.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY t.relname, x.relname`,
    [[...READ_MODEL_TABLES]],
  );
  for (const index of found) await runner.query(`DROP INDEX ${index.name}`);
  return found.map(({ table, definition }) => ({ table, definition }));
}
