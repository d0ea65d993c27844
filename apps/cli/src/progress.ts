/** A one-line progress indicator on a terminal (stderr); silent when not a TTY. */
export class Progress {
  private last = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total?: number,
  ) {}

  update(done: number): void {
    if (!process.stderr.isTTY) return;
    const now = Date.now();
    if (now - this.last < 100 && done !== this.total) return;
    this.last = now;
    const rate = Math.round(done / Math.max((now - this.started) / 1000, 0.001));
    let bar = '';
    if (this.total) {
      const width = 30;
      const filled = Math.round((done / this.total) * width);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} `;
    } else {
      bar = `${done} `;
    }
    process.stderr.write(`\r${this.label} ${bar}(${rate}/s)`);
  }

  done(): void {
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}
