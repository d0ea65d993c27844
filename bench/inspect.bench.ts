// npm run bench:inspect -- [--instances 2000] [--size 512] [--runs 3]
// Figures, not a test: instances per second of the headers-only inspection (read each header
// up to Pixel Data and hand it to its study's inspector, as cli inspect does) next to a bare
// parse of the same files by the same library (dcmjs reading each whole file) in the same run.
// See bench/README.md.
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { data as dcmjsData } from 'dcmjs';
import { StudyInspector, readPart10File, studyInstanceUidOf } from '@scantrail/inspection';
import { buildHeadCtSeries, testUid } from '@scantrail/inspection/testing';
import { elapsedMs, formatCount, median, printTable, verdict } from './support/bench-stats';
import { runBench } from './support/bench-run';

const TARGET_RATE = 2_000;
const TARGET_RATIO = 0.7;

function options() {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '2000' },
      size: { type: 'string', default: '512' },
      runs: { type: 'string', default: '3' },
    },
  });
  return {
    instances: Number(values.instances),
    size: Number(values.size),
    runs: Number(values.runs),
  };
}

/** Head CT studies of 40 slices, written as Part 10 files: what an inspector is handed. */
function generate(dir: string, instances: number, size: number): string[] {
  const paths: string[] = [];
  while (paths.length < instances) {
    const series = buildHeadCtSeries({
      studyInstanceUid: testUid(),
      slices: Math.min(40, instances - paths.length),
      size,
      patientName: 'Bench^Patient',
      patientId: `MRN-${paths.length}`,
      otherPatientIds: [{ value: `EMPI-${paths.length}` }],
      institutionName: 'Bench Hospital',
      studyDescription: 'CT HEAD W/O',
      methodCodes: ['113100'],
      privateAttributes: true,
    });
    for (const file of series) {
      const path = join(dir, `${paths.length}.dcm`);
      writeFileSync(path, file);
      paths.push(path);
    }
  }
  return paths;
}

/** Wall time, and the CPU time the process used meanwhile (all threads, user + system). */
interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timer(): () => Timing {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wallMs: elapsedMs(start), cpuMs: (used.user + used.system) / 1000 };
  };
}

function bareParse(paths: readonly string[]): Timing {
  const stop = timer();
  let attributes = 0;
  for (const path of paths) {
    const bytes = readFileSync(path);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    attributes += Object.keys(dcmjsData.DicomMessage.readFile(buffer).dict).length;
  }
  if (attributes === 0) throw new Error('bare parse read nothing');
  return stop();
}

async function headersOnlyInspection(paths: readonly string[]): Promise<Timing> {
  const stop = timer();
  // As cli inspect: each header goes to its study's inspector as it is read, and is dropped.
  const studies = new Map<string, StudyInspector>();
  for (const path of paths) {
    const { dataset } = await readPart10File(path);
    const uid = studyInstanceUidOf(dataset) ?? '';
    let inspector = studies.get(uid);
    if (!inspector) studies.set(uid, (inspector = new StudyInspector()));
    inspector.add(dataset);
  }
  let failed = 0;
  for (const inspector of studies.values()) {
    if (inspector.result().result === 'FAIL') failed += 1;
  }
  // Every generated study is a careless copy: an inspection that passes one measured nothing.
  if (failed === 0) throw new Error('inspection found nothing to report');
  return stop();
}

async function main(): Promise<void> {
  const opts = options();
  process.stdout.write(
    `bench:inspect  ${cpus().length} CPUs, Node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'scantrail-bench-inspect-'));
  try {
    const paths = generate(dir, opts.instances, opts.size);
    const bytes = readFileSync(paths[0] ?? '').length;
    process.stdout.write(
      `${formatCount(paths.length)} generated CT instances of ${opts.size}x${opts.size} (${formatCount(bytes / 1024)} KiB each), ${opts.runs} runs, medians\n\n`,
    );
    // Warm-up: JIT and the page cache, for both.
    bareParse(paths.slice(0, 200));
    await headersOnlyInspection(paths.slice(0, 200));
    const bare: Timing[] = [];
    const inspected: Timing[] = [];
    for (let run = 0; run < opts.runs; run += 1) {
      bare.push(bareParse(paths));
      inspected.push(await headersOnlyInspection(paths));
    }
    const rate = (ms: number) => paths.length / (ms / 1000);
    const wall = (t: Timing[]) => median(t.map((x) => x.wallMs));
    const cpu = (t: Timing[]) => median(t.map((x) => x.cpuMs));
    const bareRate = rate(wall(bare));
    const inspectRate = rate(wall(inspected));
    // On a shared machine the wall rate follows the load; the rate per CPU-second is what
    // one otherwise idle core would do (the run itself is single-threaded).
    printTable(
      ['measure', 'instances/s', 'ms (median)', 'per CPU-second', 'CPU ms (median)'],
      [
        [
          'bare parse (dcmjs, whole file)',
          formatCount(bareRate),
          formatCount(wall(bare)),
          formatCount(rate(cpu(bare))),
          formatCount(cpu(bare)),
        ],
        [
          'headers-only inspection',
          formatCount(inspectRate),
          formatCount(wall(inspected)),
          formatCount(rate(cpu(inspected))),
          formatCount(cpu(inspected)),
        ],
      ],
    );
    const ratio = inspectRate / bareRate;
    const cpuRate = rate(cpu(inspected));
    process.stdout.write(
      `\ninspection rate ${formatCount(inspectRate)}/s >= ${formatCount(TARGET_RATE)}/s: ${verdict(inspectRate >= TARGET_RATE)}\n` +
        `inspection per CPU-second ${formatCount(cpuRate)} >= ${formatCount(TARGET_RATE)}: ${verdict(cpuRate >= TARGET_RATE)}\n` +
        `inspection / bare parse ${(ratio * 100).toFixed(0)}% >= ${TARGET_RATIO * 100}%: ${verdict(ratio >= TARGET_RATIO)}\n` +
        `load after: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('inspect', main);
