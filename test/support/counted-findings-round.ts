import { cloudEvent, exampleData, TEST_PATIENT } from '@scantrail/contract/testing';
import { catchUpFindings } from '@scantrail/projection';
import { LedgerLog } from '@scantrail/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { cpuClock } from './cpu-clock';
import { createTestDatabase, DirectRecorder, testSettings, type TestDatabase } from './test-env';
import { wholeRecompute, type StoredFindingRow } from './whole-recompute';

/** Rows of rm_finding_rows and rm_finding_details the current transaction wrote. */
const WRITTEN_HERE = `
SELECT (SELECT count(*) FROM rm_finding_rows WHERE xmin::text = x.id)::int
     + (SELECT count(*) FROM rm_finding_details WHERE xmin::text = x.id)::int AS rows
  FROM (SELECT (txid_current() % 4294967296)::text AS id) x`;

/** What one findings round cost: its time, the rows it read by table, the rows it wrote. */
export interface CountedRound {
  ms: number;
  /**
   * This process's CPU time in the round: the rules' work, which a loaded machine's waits
   * for PostgreSQL and for the processor do not blur as they blur `ms`.
   */
  cpuMs: number;
  /**
   * The CPU time of the round's PostgreSQL backend: with `cpuMs`, the round's whole work, for
   * a round whose queries grow with the study (see `cpuClock`).
   */
  serverCpuMs: number;
  /** Disclosures the round read (each is re-evaluated). */
  disclosures: number;
  /** Consents the round read (each may be asked of every disclosure re-evaluated). */
  consents: number;
  /** Stored findings the round read, and the rows it wrote. */
  findingsRead: number;
  written: number;
}

/**
 * One findings round, as the worker runs it, after `events` new events: timed, with the
 * rows each query read counted by the read model it reads from.
 */
export const countedFindingsRound = (
  dataSource: DataSource,
  log: LedgerLog,
  events = 1,
): Promise<CountedRound> =>
  dataSource.transaction('READ COMMITTED', async (m: EntityManager) => {
    const counts = { disclosures: 0, consents: 0, findingsRead: 0 };
    const counting = new Proxy(m, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
        return async (query: string, parameters?: unknown[]) => {
          const result: unknown = await target.query(query, parameters);
          if (Array.isArray(result)) {
            if (/\bFROM rm_disclosures\b/.test(query)) counts.disclosures += result.length;
            if (/\bFROM rm_consents\b/.test(query)) counts.consents += result.length;
            if (/\bFROM rm_findings\b/.test(query)) counts.findingsRead += result.length;
          }
          return result;
        };
      },
    });
    const cpu = await cpuClock(m);
    const started = process.hrtime.bigint();
    const outcome = await catchUpFindings(counting, log);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const { processMs: cpuMs, serverMs: serverCpuMs } = cpu();
    expect(outcome.evaluated).toBe(events);
    const [{ rows }] = await m.query<{ rows: number }[]>(WRITTEN_HERE);
    return { ms, cpuMs, serverCpuMs, ...counts, written: rows };
  });

/** Five rounds, each after one new batch of events: the median time, the most rows. */
export async function medianOfFiveRounds(
  recordAndRound: (i: number) => Promise<CountedRound>,
): Promise<CountedRound> {
  const runs: CountedRound[] = [];
  for (let i = 0; i < 5; i += 1) runs.push(await recordAndRound(i));
  return {
    ms: runs.map((r) => r.ms).sort((a, b) => a - b)[2],
    cpuMs: runs.map((r) => r.cpuMs).sort((a, b) => a - b)[2],
    serverCpuMs: runs.map((r) => r.serverCpuMs).sort((a, b) => a - b)[2],
    disclosures: Math.max(...runs.map((r) => r.disclosures)),
    consents: Math.max(...runs.map((r) => r.consents)),
    findingsRead: Math.max(...runs.map((r) => r.findingsRead)),
    written: Math.max(...runs.map((r) => r.written)),
  };
}

export const describeRound = (k: number, r: CountedRound): string =>
  `k=${k}: ${r.ms.toFixed(1)} ms (${r.cpuMs.toFixed(1)} ms CPU, server ${r.serverCpuMs.toFixed(1)}), ${r.disclosures} disclosures read, ${r.consents} consents read, ` +
  `${r.findingsRead} findings read, ${r.written} rows written`;

/**
 * A fresh database whose recorder leaves findings to the worker's round, for a test that
 * grows one study's history and counts the round after one more event.
 */
export class FindingsGrowth {
  private readonly settings = testSettings();
  private readonly log = new LedgerLog(this.settings.ledgerOrigin);
  private db?: TestDatabase;
  private recorder?: DirectRecorder;

  async start(): Promise<void> {
    this.db = await createTestDatabase();
    this.recorder = new DirectRecorder(this.db.dataSource, this.settings, 0, 'later');
  }

  drop(): Promise<void> {
    return this.database().drop();
  }

  /** The events `make` gives for each n in [from, to), 250 n a batch, as a busy partition gives them. */
  async recordEach(from: number, to: number, make: (n: number) => object[]): Promise<void> {
    for (let start = from; start < to; start += 250) {
      const batch: object[] = [];
      for (let n = start; n < Math.min(to, start + 250); n += 1) batch.push(...make(n));
      await this.record(batch);
    }
  }

  async record(events: object[]): Promise<void> {
    if (this.recorder === undefined) throw new Error('FindingsGrowth: start() first');
    await this.recorder.record(events);
  }

  /** Every finding the recorded events call for, as the worker would have stored them. */
  async completeFindings(): Promise<void> {
    if (this.recorder === undefined) throw new Error('FindingsGrowth: start() first');
    await this.recorder.completeFindings();
  }

  /**
   * At each k in turn: the events `make` gives for each n up to k recorded, every finding
   * stored, then what `probe` measures, then the stored findings checked against a whole
   * recompute (at least one a disclosure: the tests' disclosures each have a finding).
   */
  async at<P>(
    ks: readonly number[],
    make: (n: number) => object[],
    probe: () => Promise<P>,
  ): Promise<[number, P][]> {
    const measured: [number, P][] = [];
    let recorded = 0;
    for (const k of ks) {
      await this.recordEach(recorded, k, make);
      recorded = k;
      await this.completeFindings();
      measured.push([k, await probe()]);
      await this.expectWholeRecompute(k);
    }
    return measured;
  }

  /** One batch of events, then the worker's round on them, counted. */
  async roundAfter(events: object[]): Promise<CountedRound> {
    await this.record(events);
    return countedFindingsRound(this.database().dataSource, this.log, events.length);
  }

  /** The stored findings, at least `atLeast` of them, are those of a whole recompute. */
  async expectWholeRecompute(atLeast: number): Promise<void> {
    const { dataSource } = this.database();
    const byKey = (a: StoredFindingRow, b: StoredFindingRow): number =>
      `${a.event_id} ${a.study_uid} ${a.code}`.localeCompare(
        `${b.event_id} ${b.study_uid} ${b.code}`,
      );
    const rows = (
      await dataSource.query<StoredFindingRow[]>(
        'SELECT event_id, study_uid, code, vendor_id, detail FROM rm_findings',
      )
    ).sort(byKey);
    expect(rows.length).toBeGreaterThanOrEqual(atLeast);
    expect(rows).toEqual((await wholeRecompute(dataSource)).sort(byKey));
  }

  private database(): TestDatabase {
    if (this.db === undefined) throw new Error('FindingsGrowth: start() first');
    return this.db;
  }
}

/** The test patient's study, registered the day before the growth tests' disclosures. */
export const registeredStudy = (studyInstanceUid: string): object =>
  cloudEvent(
    'org.scantrail.study.registered',
    exampleData('org.scantrail.study.registered', {
      studyInstanceUid,
      patient: { ...TEST_PATIENT },
    }),
    { time: '2024-04-30T08:00:00.000Z' },
  );

/** A patient-authorized disclosure of the study to vnd-acme for AI_TRAINING, on 1 May 2024. */
export const authorizedDisclosure = (studyInstanceUid: string, label: string): object =>
  cloudEvent(
    'org.scantrail.disclosure.recorded',
    exampleData('org.scantrail.disclosure.recorded', {
      disclosureId: `dsc-${label}`,
      target: { studyInstanceUid },
      legalBasis: 'PATIENT_AUTHORIZATION',
    }),
    { time: '2024-05-01T12:00:00.000Z' },
  );
