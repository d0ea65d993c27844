// npm run bench:inspect-memory -- [--files 2000,20000] [--runs 3] [--size 64] [--heap-cap MiB]
//   [--cli <main.js>]...
// Figures, not a test: the peak RSS of `cli inspect --json` over N generated Part 10 files (head
// CT studies of 40 careless copies), alone and with `--original` (N original files of the same
// studies), read by /usr/bin/time. Each --cli is a built CLI (default dist/apps/cli/main.js;
// give another checkout's to compare builds on the same files); runs alternate between them, and
// their JSON reports must be byte for byte equal. --heap-cap runs node with that
// --max-old-space-size: what the run keeps must fit, whatever V8's lazier collections let the
// RSS reach without it (a run that does not fit shows OOM). See bench/README.md.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildHeadCtSeries, testUid } from '@scantrail/inspection/testing';
import { formatCount, median, printTable } from './support/bench-stats';
import { integerOption, runBench, startBenchRun, write } from './support/bench-run';

const SLICES = 40;

function options() {
  const { values } = parseArgs({
    options: {
      files: { type: 'string', default: '2000,20000' },
      runs: { type: 'string', default: '3' },
      size: { type: 'string', default: '64' },
      'heap-cap': { type: 'string', default: '0' },
      cli: { type: 'string', multiple: true },
    },
  });
  return {
    files: values.files.split(',').map((n) => integerOption('files', n.trim())),
    runs: integerOption('runs', values.runs),
    size: integerOption('size', values.size),
    heapCapMiB: integerOption('heap-cap', values['heap-cap'], 0),
    clis: (values.cli ?? ['dist/apps/cli/main.js']).map((path) => resolve(path)),
  };
}

/**
 * `files` careless copies in `copyDir` and, in `originalDir`, the originals they came from:
 * the same studies (the copy kept the uids) with the patient's own values.
 */
function generate(copyDir: string, originalDir: string, files: number, size: number): void {
  mkdirSync(copyDir, { recursive: true });
  mkdirSync(originalDir, { recursive: true });
  for (let written = 0; written < files;) {
    const slices = Math.min(SLICES, files - written);
    const common = {
      studyInstanceUid: testUid(),
      seriesInstanceUid: testUid(),
      slices,
      size,
      patientName: `Bench^Patient${written}`,
      patientId: `MRN-${written}`,
      otherPatientIds: [{ value: `EMPI-${written}` }],
      patientBirthDate: '19700101',
      studyDate: '20260105',
      institutionName: 'Bench Hospital',
      studyDescription: 'CT HEAD W/O',
    };
    const copies = buildHeadCtSeries({
      ...common,
      methodCodes: ['113100'],
      privateAttributes: true,
    });
    const originals = buildHeadCtSeries(common);
    copies.forEach((file, i) => writeFileSync(join(copyDir, `${written + i}.dcm`), file));
    originals.forEach((file, i) => writeFileSync(join(originalDir, `${written + i}.dcm`), file));
    written += slices;
  }
}

interface Measured {
  peakKiB: number;
  wallS: number;
  /** Of the JSON report; undefined when the run ran out of heap (under --heap-cap). */
  sha256?: string;
}

/** One `cli inspect --json` under /usr/bin/time: its peak RSS, wall time and report's hash. */
function measure(cli: string, args: readonly string[], heapCapMiB: number): Promise<Measured> {
  const node = heapCapMiB > 0 ? [`--max-old-space-size=${heapCapMiB}`] : [];
  return new Promise((done, fail) => {
    const time = ['-f', 'peak %M %e', process.execPath, ...node, cli, ...args];
    const child = spawn('/usr/bin/time', time, { stdio: ['ignore', 'pipe', 'pipe'] });
    const hash = createHash('sha256');
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => hash.update(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const match = /peak (\d+) ([\d.]+)/.exec(stderr);
      if (match && stderr.includes('heap out of memory')) {
        done({ peakKiB: Number(match[1]), wallS: Number(match[2]) });
        return;
      }
      // 3: a study failed, which every careless copy does.
      if (code !== 3 || !match) {
        fail(new Error(`${cli} inspect exited ${code}: ${stderr.slice(-500)}`));
        return;
      }
      done({ peakKiB: Number(match[1]), wallS: Number(match[2]), sha256: hash.digest('hex') });
    });
  });
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const opts = options();
  const run = startBenchRun('inspect-memory');
  try {
    write(`bench:inspect-memory  ${cpus().length} CPUs, Node ${process.version}, load ${load()}`);
    if (opts.heapCapMiB > 0) write(`node --max-old-space-size=${opts.heapCapMiB}`);
    const rows: string[][] = [];
    for (const files of opts.files) {
      const copyDir = join(run.root, `${files}`, 'copy');
      const originalDir = join(run.root, `${files}`, 'original');
      generate(copyDir, originalDir, files, opts.size);
      write(`${formatCount(files)} files generated (and as many originals), load ${load()}`);
      const cases: [label: string, args: string[]][] = [
        ['copy', ['inspect', '--json', copyDir]],
        ['copy + --original', ['inspect', '--json', '--original', originalDir, copyDir]],
      ];
      for (const [label, args] of cases) {
        const results = new Map<string, Measured[]>(opts.clis.map((cli) => [cli, []]));
        for (let r = 0; r < opts.runs; r += 1) {
          for (const cli of opts.clis) {
            results.get(cli)?.push(await measure(cli, args, opts.heapCapMiB));
          }
        }
        const reports = new Set([...results.values()].flat().flatMap((m) => m.sha256 ?? []));
        if (reports.size > 1) throw new Error(`${label}: the CLIs' JSON reports differ`);
        const peak = (m: Measured) =>
          `${formatCount(m.peakKiB / 1024)}${m.sha256 === undefined ? ' OOM' : ''}`;
        for (const [cli, measured] of results) {
          rows.push([
            formatCount(files),
            label,
            cli,
            formatCount(median(measured.map((m) => m.peakKiB)) / 1024),
            measured.map(peak).join(' '),
            median(measured.map((m) => m.wallS)).toFixed(1),
            [...reports][0]?.slice(0, 12) ?? '',
          ]);
        }
      }
    }
    write();
    printTable(
      ['files', 'read', 'cli', 'peak RSS MiB (median)', 'runs', 'wall s (median)', 'report sha256'],
      rows,
    );
    write(`\nload after: ${load()}`);
  } finally {
    await run.cleanUp();
  }
}

runBench('inspect-memory', main);
