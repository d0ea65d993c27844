export interface ProgressState {
  label: string;
  done: number;
  /** Known up front for verify and export (the tree size); absent for open-ended work. */
  total?: number;
  seconds: number;
}

const BAR_WIDTH = 30;

/** `1h02m`, `3m05s` or `42s`: short enough to keep the line within a terminal's width. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${s}s`;
}

/**
 * One progress line: bar, done/total, rate and time left at the rate so far. The time left
 * is `?` until something is done, since no rate exists to project from.
 */
export function formatProgress(state: ProgressState): string {
  const { label, done, total } = state;
  const rate = done / Math.max(state.seconds, 0.001);
  const rateText = `${Math.round(rate).toLocaleString('en-US')}/s`;
  const count = (n: number): string => n.toLocaleString('en-US');
  if (!total) return `${label} ${count(done)} (${rateText})`;
  const fraction = Math.min(done / total, 1);
  const filled = Math.round(fraction * BAR_WIDTH);
  const eta =
    done >= total ? 'done' : done === 0 ? 'ETA ?' : `ETA ${formatDuration((total - done) / rate)}`;
  return (
    `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` +
    `${count(done)}/${count(total)} ${(fraction * 100).toFixed(0)}% (${rateText}, ${eta})`
  );
}

/**
 * A one-line progress indicator on stderr, redrawn in place at most ten times a second;
 * silent when stderr is not a terminal, so logs and parsed output stay clean.
 */
export class Progress {
  private last = 0;
  private width = 0;
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
    const line = formatProgress({
      label: this.label,
      done,
      total: this.total,
      seconds: (now - this.started) / 1000,
    });
    // Pad over the previous line's tail: a shorter ETA would otherwise leave stale characters.
    process.stderr.write(`\r${line.padEnd(this.width)}`);
    this.width = line.length;
  }

  done(): void {
    if (process.stderr.isTTY && this.width > 0) process.stderr.write('\n');
  }
}
