import type { SeededRandom } from './seeded-random';

/** The last `capacity` items; keeps the demo's memory flat however long the stream. */
export class RecentRing<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  pick(random: SeededRandom): T | undefined {
    return this.items.length === 0 ? undefined : this.items[random.int(this.items.length)];
  }

  /** The first item among up to `tries` random picks that satisfies `accept`. */
  find(random: SeededRandom, tries: number, accept: (item: T) => boolean): T | undefined {
    for (let t = 0; t < tries; t++) {
      const item = this.pick(random);
      if (item !== undefined && accept(item)) return item;
    }
    return undefined;
  }
}
