interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items submitted while a write is in flight go together in the next write, at
 * most `maxGroup` a write, one write at a time. Each caller's promise settles when the write
 * holding its own item has finished: resolved when it committed, rejected with its error when
 * it failed; the next group is written anyway. When a group of several fails with an error
 * that `isolates` says is one item's (the database refusing a value, not the database gone),
 * its items are written again one at a time, so only the item at fault fails, not the others
 * that happened to arrive beside it. Otherwise every item of the group fails with it.
 */
export class GroupCommit<T> {
  private waiting: Waiting<T>[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxGroup: number,
    private readonly isolates: (error: unknown) => boolean = () => false,
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
        if (group.length > 1 && this.isolates(error)) {
          await this.writeEachAlone(group);
        } else {
          for (const w of group) w.reject(error);
        }
        continue;
      }
      for (const w of group) w.resolve();
    }
    this.writing = false;
  }

  private async writeEachAlone(group: Waiting<T>[]): Promise<void> {
    for (const w of group) {
      try {
        await this.write([w.item]);
        w.resolve();
      } catch (error) {
        w.reject(error);
      }
    }
  }
}
