import type { CheckpointStore } from '@scantrail/storage';
import type { Logger } from 'pino';

/**
 * Signs a checkpoint whenever the log has grown, ticking at half the interval so that a
 * growing log gets one at least every interval and a quiet one is covered within it.
 */
export class Checkpointer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly store: CheckpointStore,
    private readonly intervalS: number,
    private readonly logger: Logger,
  ) {}

  /** Signs at once (so readers find a checkpoint, of size 0 on an empty log), then ticks. */
  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), (this.intervalS * 1000) / 2);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.tick();
  }

  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        const checkpoint = await this.store.checkpointNow();
        if (checkpoint) this.logger.info({ treeSize: checkpoint.treeSize }, 'checkpoint signed');
      } catch (error) {
        this.logger.error({ err: error }, 'checkpoint failed; will retry at the next tick');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
