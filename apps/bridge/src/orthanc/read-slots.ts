/**
 * At most `size` reads of Orthanc at once across every page of changes the bridge has in
 * hand, started in the order asked (a later page's studies wait behind an earlier page's).
 */
export class ReadSlots {
  private free: number;
  private readonly queue: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<R>(read: () => Promise<R>): Promise<R> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await read();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}
