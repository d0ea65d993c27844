import {
  catchUpFindings,
  FINDINGS_LOCK_WAIT_MS,
  FINDINGS_ROUND_ENTRIES,
  findingsLockHolders,
  type FindingsRound,
} from '@scantrail/projection';
import { isLockWaitTimeout, type LedgerLog } from '@scantrail/storage';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

export interface FindingsWorkerOptions {
  /** Entries one round evaluates at most. */
  roundEntries?: number;
  /** How long an idle worker waits for a nudge before it looks anyway (another ingest's entries). */
  idleMs?: number;
  /** Wait after a failed round, before the next try. */
  retryMs?: number;
  /** The longest rest between two rounds (below); default 1,000 ms. */
  maxRestMs?: number;
  /** Whether the ingest has batches in hand (more entries soon); default: always. */
  ingestBusy?: () => boolean;
  /** One round in its own transaction; default catchUpFindings (tests replace it). */
  round?: (maxEntries: number) => Promise<FindingsRound>;
}

/** The rest before the next round: as long as the last one took, at most `maxRestMs`. */
export function restAfter(roundMs: number, maxRestMs: number): number {
  return Math.max(0, Math.min(roundMs, maxRestMs));
}

/**
 * Keeps the findings up to date behind the ingest: each round evaluates the entries after
 * the stored position, in one transaction with that position (findings-catch-up.ts), so a
 * crash anywhere redoes at most a round. Rounds coalesce: whatever many batches recorded
 * while a round ran is one refresh in the next, which is what takes the findings off the
 * ingest's critical path. The ingest nudges it after each commit; several ingests (or a
 * `cli rebuild`) share the position through the findings lock.
 *
 * A round that was not full is followed by a rest as long as it took (at most maxRestMs)
 * while the ingest has batches in hand: a round's cost is mostly what it loads and writes
 * whatever its size (in process, CPU per entry was 294 µs in rounds of 1,000, 181 in
 * rounds of 3,000, 81 in rounds of 20,000: bench/HISTORY.md, session 13), so when rounds
 * take long, the next one gathers more entries for the same cost. A quick round rests a
 * moment only, and none when the ingest has nothing in hand (ingestIdle ends a rest).
 */
export class FindingsWorker {
  private nudged = false;
  private wake?: () => void;
  private wakeSleep?: () => void;
  private stopping = false;
  private loop?: Promise<void>;
  /** The last round's outcome (undefined before the first). */
  last?: FindingsRound & { at: number };
  /** Rounds that failed since start (each is retried). */
  failures = 0;
  /** Rounds that gave up waiting FINDINGS_LOCK_WAIT_MS for the findings lock (each is retried). */
  lockWaits = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: LedgerLog,
    private readonly logger: Logger,
    private readonly options: FindingsWorkerOptions = {},
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** New entries are committed: run a round as soon as the current one ends. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** The ingest has no batch in hand: a rest ends, since no entries are coming soon. */
  ingestIdle(): void {
    this.wakeSleep?.();
  }

  /** Finishes the round in progress (its transaction commits or rolls back), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.wakeSleep?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const roundEntries = this.options.roundEntries ?? FINDINGS_ROUND_ENTRIES;
    const maxRestMs = this.options.maxRestMs ?? 1_000;
    const runRound =
      this.options.round ??
      ((maxEntries: number) =>
        this.dataSource.transaction('READ COMMITTED', (manager) =>
          catchUpFindings(manager, this.log, maxEntries, FINDINGS_LOCK_WAIT_MS),
        ));
    const ingestBusy = this.options.ingestBusy ?? (() => true);
    let restUntil = 0;
    while (!this.stopping) {
      const rest = restUntil - Date.now();
      if (rest > 0 && ingestBusy()) await this.sleep(rest);
      if (this.stopping) break;
      this.nudged = false;
      let round: FindingsRound | undefined;
      const started = Date.now();
      try {
        round = await runRound(roundEntries);
        this.last = { ...round, at: Date.now() };
      } catch (error) {
        if (isLockWaitTimeout(error)) {
          await this.sayWhoHoldsTheLock();
          await this.pause(this.options.retryMs ?? 1000);
          continue;
        }
        this.failures += 1;
        this.logger.error(
          { err: error },
          'findings round failed; findings stay at their stored position and the round is retried',
        );
        await this.pause(this.options.retryMs ?? 1000);
        continue;
      }
      if (round.evaluated > 0) {
        this.logger.debug(
          { from: round.from, completeThrough: round.completeThrough, evaluated: round.evaluated },
          'findings evaluated',
        );
        // A full round: more is waiting, and rounds are as large as they get.
        if (round.evaluated >= roundEntries) continue;
        const ended = Date.now();
        restUntil = ended + restAfter(ended - started, maxRestMs);
        // Otherwise look again only if nudged meanwhile (after the rest).
        if (this.nudged) continue;
      }
      if (!this.nudged) await this.pause(this.options.idleMs ?? 500);
    }
  }

  /**
   * A round gave up waiting for the findings lock (before it read anything; its transaction
   * rolled back): count it and say who holds the lock now. The next round waits again.
   */
  private async sayWhoHoldsTheLock(): Promise<void> {
    this.lockWaits += 1;
    const holders = await findingsLockHolders(this.dataSource, this.log).catch(() => undefined);
    this.logger.warn(
      { waitedMs: FINDINGS_LOCK_WAIT_MS, holders },
      'another session holds the findings lock: findings are not evaluated meanwhile (events are still recorded); the round is retried. End that session (pg_terminate_backend(pid), as its role or a superuser) unless it is a cli rebuild or verify --read-models',
    );
  }

  /** Waits `ms`, or less if stopped; nudges do not end it. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
