/**
 * Sends items as they settle rather than all at the end: the first at once, then one send at
 * a time, each carrying everything that settled while the one before was in flight. An idle
 * bridge publishes a study as soon as it is read; a busy one sends batches as large as the
 * broker's round trip makes them, without a timer. After a failed send nothing more is sent
 * and `done` rejects with its error (the caller replays the whole step: ids are
 * deterministic, so what was sent is recorded once).
 */
export class SettledSends<T> {
  private waiting: T[] = [];
  private inFlight?: Promise<void>;
  private failure?: { error: unknown };

  constructor(private readonly send: (items: T[]) => Promise<void>) {}

  add(items: readonly T[]): void {
    if (items.length === 0 || this.failure) return;
    this.waiting.push(...items);
    this.inFlight ??= this.drain();
  }

  /** Resolves once everything added is acknowledged; rejects if a send failed. */
  async done(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure.error;
  }

  /** Never rejects: a failure is kept for `done`. */
  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        await this.send(batch);
      }
    } catch (error) {
      this.failure = { error };
      this.waiting = [];
    } finally {
      this.inFlight = undefined;
    }
  }
}
