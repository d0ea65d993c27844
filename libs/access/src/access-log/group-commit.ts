interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items submitted while a write is in flight go together in the next write, at
 * most `maxGroup` a write, one write at a time. Each caller's promise settles when the write
 * holding its own item has finished: resolved when it committed, rejected with its error when
 * it failed (every item of that group fails with it; the next group is written anyway).
 */
export class GroupCommit<T> {
  private waiting: Waiting<T>[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxGroup: number,
  ) {
    if (!Number.isInteger(maxGroup) || maxGroup < 1)
      throw new RangeError('maxGroup must be a positive integer');
  }

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxGroup);
      try {
        await this.write(group.map((w) => w.item));
      } catch (error) {
        for (const w of group) w.reject(error);
        continue;
      }
      for (const w of group) w.resolve();
    }
    this.writing = false;
  }
}
