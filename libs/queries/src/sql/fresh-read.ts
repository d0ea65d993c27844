/**
 * A value read from the database where every caller must get a read that started after it
 * called (so it sees every commit made before the call), while callers arriving during a
 * read share the next one instead of each starting their own: under N concurrent requests
 * the database sees about one read per round trip, not N. A failed read fails only the
 * callers that waited for it.
 */
export class FreshRead<T> {
  private running?: Promise<T>;
  private next?: Promise<T>;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.running === undefined) return this.start();
    // The running read may have started before this call: wait for the one after it.
    this.next ??= this.running.then(settled, settled).then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<T> {
    const read = this.read();
    this.running = read;
    const done = (): void => {
      if (this.running === read) this.running = undefined;
    };
    read.then(done, done);
    return read;
  }
}

function settled(): void {}
