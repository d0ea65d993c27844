import { catchUpFindings, FINDINGS_ROUND_ENTRIES, type FindingsRound } from '@scantrail/projection';
import type { LedgerLog } from '@scantrail/storage';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

export interface FindingsWorkerOptions {
  /** Entries one round evaluates at most. */
  roundEntries?: number;
  /** How long an idle worker waits for a nudge before it looks anyway (another ingest's entries). */
  idleMs?: number;
  /** Wait after a failed round, before the next try. */
  retryMs?: number;
}

/**
 * Keeps the findings up to date behind the ingest: each round evaluates the entries after
 * the stored position, in one transaction with that position (findings-catch-up.ts), so a
 * crash anywhere redoes at most a round. Rounds coalesce: whatever many batches recorded
 * while a round ran is one refresh in the next, which is what takes the findings off the
 * ingest's critical path. The ingest nudges it after each commit; several ingests (or a
 * `cli rebuild`) share the position through the findings lock.
 */
export class FindingsWorker {
  private nudged = false;
  private wake?: () => void;
  private stopping = false;
  private loop?: Promise<void>;
  /** The last round's outcome (undefined before the first). */
  last?: FindingsRound & { at: number };
  /** Rounds that failed since start (each is retried). */
  failures = 0;

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

  /** Finishes the round in progress (its transaction commits or rolls back), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const roundEntries = this.options.roundEntries ?? FINDINGS_ROUND_ENTRIES;
    while (!this.stopping) {
      this.nudged = false;
      let round: FindingsRound | undefined;
      try {
        round = await this.dataSource.transaction('READ COMMITTED', (manager) =>
          catchUpFindings(manager, this.log, roundEntries),
        );
        this.last = { ...round, at: Date.now() };
      } catch (error) {
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
        // A full round: more is waiting. Otherwise look again only if nudged meanwhile.
        if (round.evaluated >= roundEntries || this.nudged) continue;
      }
      if (!this.nudged) await this.pause(this.options.idleMs ?? 500);
    }
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
