/** How long the first item waits for others, and how many are sent without waiting more. */
export interface SendBatch {
  waitMs: number;
  items: number;
}

/**
 * Sends items as they settle rather than all at the end: one send at a time, each carrying
 * everything ready when it starts: what settled within `waitMs` of the first, or sooner
 * once `items` are ready. A study is published within about `waitMs` (plus a send in
 * flight) of being read, and the ingest still gets batches, not one event a transaction.
 * After a failed send nothing more is sent and `done` rejects with its error (the caller
 * replays the whole step: ids are deterministic, so what was sent is recorded once).
 */
export class SettledSends<T> {
  private waiting: T[] = [];
  private inFlight?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private failure?: { error: unknown };
  /** The send in flight, settled either way. */
  private sending?: Promise<void>;
  private added = 0;
  private acknowledged = 0;

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly batch: SendBatch = { waitMs: 0, items: 1 },
  ) {}

  add(items: readonly T[]): void {
    if (items.length === 0 || this.failure) return;
    this.waiting.push(...items);
    this.added += items.length;
    if (this.inFlight) return; // the send in flight is followed by a full batch or a wait
    if (this.waiting.length >= this.batch.items) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.batch.waitMs);
  }

  /**
   * Sends what waits at once; resolves once everything added so far is acknowledged (what is
   * added meanwhile is not waited for); rejects if a send failed.
   */
  async done(): Promise<void> {
    const upTo = this.added;
    while (this.acknowledged < upTo && !this.failure) {
      if (!this.inFlight) {
        if (this.waiting.length === 0) break;
        this.flush();
      }
      await this.sending;
    }
    if (this.failure) throw this.failure.error;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight ??= this.drain();
  }

  /**
   * Sends what waits, then again while a full batch is ready; fewer wait out `waitMs`.
   * Never rejects: a failure is kept for `done`.
   */
  private async drain(): Promise<void> {
    try {
      do {
        const batch = this.waiting;
        this.waiting = [];
        const sent = this.send(batch);
        this.sending = sent.then(
          () => undefined,
          () => undefined,
        );
        await sent;
        this.acknowledged += batch.length;
      } while (this.waiting.length >= this.batch.items);
    } catch (error) {
      this.failure = { error };
      this.waiting = [];
    } finally {
      this.inFlight = undefined;
      if (this.waiting.length > 0) {
        this.timer ??= setTimeout(() => this.flush(), this.batch.waitMs);
      }
    }
  }
}
