import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';

/** pino's numeric levels. */
const INFO = 30;

/**
 * Messages that come in floods on a local run and say nothing new each time: counted and
 * summarized instead of printed (every line still goes to the log file).
 */
const COUNTED: Record<string, string> = {
  'message quarantined; inspect it with the quarantine query': 'quarantined',
  'checkpoint signed': 'checkpoints',
};

interface PinoLine {
  level?: number;
  msg?: string;
}

function parse(line: string): PinoLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What `npm start` shows of its children: every line goes, as written (JSON in every
 * environment), to `<dataDir>/logs/<name>.log`; the terminal gets readable lines of info
 * and above, with floods (the demo's deliberately bad messages, checkpoints) counted.
 */
export class DevLogView {
  readonly folder: string;
  private readonly files = new Map<string, WriteStream>();
  private readonly counts = new Map<string, number>();
  private readonly pretty = prettyFactory({
    colorize: process.stdout.isTTY === true,
    translateTime: 'HH:MM:ss',
    // KafkaJS's lines (through the adapter's logger) carry their text as `message`.
    ignore: 'pid,hostname,service,message',
    messageKey: 'msg',
    messageFormat: (log) => {
      const text = log.msg ?? log.message;
      return typeof text === 'string' ? text : '';
    },
  });

  constructor(dataDir: string) {
    this.folder = join(dataDir, 'logs');
    mkdirSync(this.folder, { recursive: true });
  }

  /** Where `name`'s lines are kept. */
  file(name: string): string {
    return join(this.folder, `${name}.log`);
  }

  /** Follows one output stream of a child called `name`. */
  follow(name: string, stream: Readable): void {
    let file = this.files.get(name);
    if (file === undefined) {
      file = createWriteStream(this.file(name), { flags: 'a' });
      // A log file that cannot be written (a full disk) is said once; the terminal goes on.
      file.once('error', (error) =>
        process.stderr.write(`the log file of ${name} cannot be written: ${error.message}\n`),
      );
      this.files.set(name, file);
    }
    const out = file;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      // A child's last lines can arrive as the files close (its 'exit' before its output's
      // end): they still reach the terminal, and a closed file is not written.
      if (out.writable) out.write(`${line}\n`);
      process.stdout.write(this.render(name, line));
    });
  }

  /** The terminal's form of one line ('' when it is only counted or below info). */
  render(name: string, line: string): string {
    const entry = parse(line);
    if (entry === undefined) return line.trim() === '' ? '' : `${name}: ${line}\n`;
    const counted = entry.msg === undefined ? undefined : COUNTED[entry.msg];
    if (counted !== undefined) {
      this.counts.set(counted, (this.counts.get(counted) ?? 0) + 1);
      return '';
    }
    if ((entry.level ?? INFO) < INFO) return '';
    return this.pretty(line);
  }

  /** How many lines of a counted kind were kept out of the terminal so far. */
  count(kind: 'quarantined' | 'checkpoints'): number {
    return this.counts.get(kind) ?? 0;
  }

  close(): Promise<void> {
    return Promise.all(
      [...this.files.values()].map(
        (file) => new Promise<void>((resolve) => file.end(() => resolve())),
      ),
    ).then(() => undefined);
  }
}
