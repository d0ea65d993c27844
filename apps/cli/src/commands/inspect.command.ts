import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeidentificationInspected } from '@scantrail/contract';
import {
  INSPECTOR_TOOL,
  OriginalStudyValues,
  Part10ReadError,
  StudyInspector,
  TAGS,
  readPart10File,
  studyInstanceUidOf,
  type DicomJsonDataset,
  type StudyInspection,
} from '@scantrail/inspection';
import { Progress } from '../progress';

/** Exit codes of `cli inspect` (README): every study passes, one fails, an error happened. */
export const INSPECT_EXIT = { PASS: 0, ERROR: 2, FAIL: 3 } as const;

const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';
/** Progress is shown on a terminal once a run is this long. */
const PROGRESS_FROM_FILES = 200;

export interface ReadInstance {
  path: string;
  dataset: DicomJsonDataset;
}

export interface FileProblem {
  path: string;
  /** Our own words (never a value read from the file). */
  reason: string;
}

export interface InspectedStudy {
  studyInstanceUid: string;
  inspection: StudyInspection;
  /** Whether original instances were compared (ORIGINAL_VALUE_RETAINED possible). */
  comparedWithOriginal: boolean;
  sopInstanceUids: string[];
}

export interface InspectRun {
  studies: InspectedStudy[];
  problems: FileProblem[];
  filesRead: number;
}

/**
 * Every file under the given files and folders (folders walked depth first, sorted), each
 * once: a folder or file reached again (a link to a folder above, a file named beside its
 * folder, a hard link) is not read again, so no walk loops and no instance counts twice.
 */
export async function collectFiles(paths: readonly string[]): Promise<{
  files: string[];
  problems: FileProblem[];
}> {
  const files: string[] = [];
  const problems: FileProblem[] = [];
  const seen = new Set<string>();
  const walk = async (path: string): Promise<void> => {
    let info;
    try {
      // As bigints: inode numbers past 2^53 (NTFS file ids) would round into one another.
      info = await stat(path, { bigint: true });
    } catch {
      problems.push({ path, reason: 'no such file or folder, or not readable' });
      return;
    }
    const identity = `${info.dev}:${info.ino}`;
    if (seen.has(identity)) return;
    seen.add(identity);
    if (info.isDirectory()) {
      let entries;
      try {
        entries = (await readdir(path)).sort();
      } catch (error) {
        problems.push(problemOf(path, error));
        return;
      }
      for (const entry of entries) await walk(join(path, entry));
    } else if (info.isFile()) {
      files.push(path);
    }
  };
  for (const path of paths) await walk(path);
  return { files, problems };
}

function problemOf(path: string, error: unknown): FileProblem {
  if (error instanceof Part10ReadError) return { path, reason: error.message };
  const code = (error as NodeJS.ErrnoException).code;
  return { path, reason: code ? `cannot be read (${code})` : 'cannot be read' };
}

/**
 * Reads the headers of the files one at a time and hands each instance to `onInstance`, which
 * must not keep its data set: a run holds what the inspections keep, not the headers. A bad
 * file becomes a problem and the others go on.
 */
export async function readInstances(
  files: readonly string[],
  onInstance: (instance: ReadInstance) => void,
  onProgress?: (done: number) => void,
): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  let done = 0;
  for (const path of files) {
    try {
      const { dataset } = await readPart10File(path);
      const sopClass = dataset['00080016']?.Value;
      if (Array.isArray(sopClass) && sopClass[0] === MEDIA_STORAGE_DIRECTORY) {
        // A DICOMDIR indexes the files; it is not an instance of a study.
      } else if (dataset[TAGS.STUDY_INSTANCE_UID] === undefined) {
        problems.push({
          path,
          reason:
            'DICOM, but without a Study Instance UID (cut short, or not an instance of a study)',
        });
      } else {
        onInstance({ path, dataset });
      }
    } catch (error) {
      problems.push(problemOf(path, error));
    }
    onProgress?.((done += 1));
  }
  return problems;
}

function uidOf(dataset: DicomJsonDataset, tag: string): string | undefined {
  const value = dataset[tag]?.Value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

/** A study of the copy being inspected as its files are read. */
interface StudyInProgress {
  inspector: StudyInspector;
  comparedWithOriginal: boolean;
  sopInstanceUids: string[];
}

/**
 * Inspects every study found under `paths`. With `originalPaths`, each study is compared with
 * the original study of the same uid, or, when the originals hold a single study, with it.
 * The originals are read first (reduced to the values compared), then each file of the copy
 * is inspected as it is read: memory grows with the studies, not with the files.
 */
export async function runInspection(
  paths: readonly string[],
  originalPaths: readonly string[] = [],
): Promise<InspectRun> {
  const collected = await collectFiles(paths);
  const originalsCollected = await collectFiles(originalPaths);
  const total = collected.files.length + originalsCollected.files.length;
  const progress =
    total >= PROGRESS_FROM_FILES ? new Progress('reading headers', total) : undefined;

  const originalStudies = new Map<string, OriginalStudyValues>();
  const originalProblems = await readInstances(
    originalsCollected.files,
    ({ dataset }) => {
      const uid = studyInstanceUidOf(dataset) ?? '';
      let original = originalStudies.get(uid);
      if (!original) originalStudies.set(uid, (original = new OriginalStudyValues()));
      original.add(dataset);
    },
    (done) => progress?.update(done),
  );
  const onlyOriginal = originalStudies.size === 1 ? [...originalStudies.values()][0] : undefined;

  const inProgress = new Map<string, StudyInProgress>();
  const readProblems = await readInstances(
    collected.files,
    ({ path, dataset }) => {
      const uid = studyInstanceUidOf(dataset) ?? '';
      let study = inProgress.get(uid);
      if (!study) {
        const originals = originalStudies.get(uid) ?? onlyOriginal;
        study = {
          inspector: new StudyInspector({ originals }),
          comparedWithOriginal: originals !== undefined,
          sopInstanceUids: [],
        };
        inProgress.set(uid, study);
      }
      study.inspector.add(dataset);
      study.sopInstanceUids.push(uidOf(dataset, TAGS.SOP_INSTANCE_UID) ?? path);
    },
    (done) => progress?.update(originalsCollected.files.length + done),
  );
  progress?.done();

  const studies: InspectedStudy[] = [...inProgress].map(
    ([studyInstanceUid, { inspector, comparedWithOriginal, sopInstanceUids }]) => ({
      studyInstanceUid,
      inspection: inspector.result(),
      comparedWithOriginal,
      sopInstanceUids: sopInstanceUids.sort(),
    }),
  );
  studies.sort((a, b) => a.studyInstanceUid.localeCompare(b.studyInstanceUid));
  return {
    studies,
    problems: [
      ...collected.problems,
      ...readProblems,
      ...originalsCollected.problems,
      ...originalProblems,
    ],
    filesRead: total,
  };
}

export function exitCodeOf(run: InspectRun): number {
  if (run.problems.length > 0 || run.studies.length === 0) return INSPECT_EXIT.ERROR;
  return run.studies.some((s) => s.inspection.result === 'FAIL')
    ? INSPECT_EXIT.FAIL
    : INSPECT_EXIT.PASS;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** The human report: one block per study (codes, instances, tags, keywords; never a value). */
export function formatRun(run: InspectRun): string {
  const lines: string[] = [];
  for (const study of run.studies) {
    const { inspection } = study;
    lines.push(
      `study ${study.studyInstanceUid}: ${inspection.result} (${inspection.instances} instance${inspection.instances === 1 ? '' : 's'}${study.comparedWithOriginal ? ', compared with the original' : ''})`,
    );
    if (inspection.issues.length > 0) {
      const rows = [['  issue', 'instances', 'tag', 'keyword']];
      for (const issue of inspection.issues) {
        rows.push([
          `  ${issue.code}`,
          String(issue.instances),
          issue.tag ?? '-',
          issue.keyword ?? '-',
        ]);
      }
      lines.push(...table(rows));
    }
    lines.push(
      `  method codes found: ${inspection.methodCodesFound.join(' ') || 'none'}`,
      `  patient identifiers found: ${inspection.patientIdentifiersFound.length} (values not shown)`,
    );
  }
  for (const problem of run.problems) lines.push(`${problem.path}: skipped: ${problem.reason}`);
  const failed = run.studies.filter((s) => s.inspection.result === 'FAIL').length;
  lines.push(
    `${run.studies.length} stud${run.studies.length === 1 ? 'y' : 'ies'} inspected: ${run.studies.length - failed} passed, ${failed} failed; ${run.problems.length} file${run.problems.length === 1 ? '' : 's'} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

/** The machine-readable report: as the table, identifiers counted, never shown. */
export function jsonRun(run: InspectRun): string {
  return `${JSON.stringify(
    {
      studies: run.studies.map(({ studyInstanceUid, inspection, comparedWithOriginal }) => ({
        studyInstanceUid,
        result: inspection.result,
        instances: inspection.instances,
        issues: inspection.issues,
        methodCodesFound: inspection.methodCodesFound,
        patientIdentifiersFound: inspection.patientIdentifiersFound.length,
        comparedWithOriginal,
      })),
      skipped: run.problems,
    },
    null,
    2,
  )}\n`;
}

/**
 * The inspection's id: a hash of what was read (study, its instances, the inspector and
 * whether the original was at hand), so re-running on the same files gives the same id and
 * the ledger records it once.
 */
export function inspectionIdOf(study: InspectedStudy): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        study.studyInstanceUid,
        study.sopInstanceUids,
        INSPECTOR_TOOL.name,
        INSPECTOR_TOOL.version,
        study.comparedWithOriginal,
      ]),
    )
    .digest('hex');
  return `insp-${digest.slice(0, 32)}`;
}

export interface InspectionEvent {
  key: string;
  value: Buffer;
}

/**
 * The studies whose inspection may be recorded. A file that could not be read may be the one
 * that names the patient (and the reader cannot tell its study): while any was skipped, a PASS
 * would claim more than was read, so only FAILs (true whatever the rest holds) are recorded.
 */
export function publishableStudies(run: InspectRun): InspectedStudy[] {
  if (run.problems.length === 0) return run.studies;
  return run.studies.filter((study) => study.inspection.result === 'FAIL');
}

/** One `deidentification.inspected` CloudEvent per publishable study, keyed by the study uid. */
export function inspectionEvents(run: InspectRun, source: string, time: Date): InspectionEvent[] {
  return publishableStudies(run).map((study) => {
    const { inspection } = study;
    const data: DeidentificationInspected = {
      inspectionId: inspectionIdOf(study),
      studyInstanceUid: study.studyInstanceUid,
      tool: { ...INSPECTOR_TOOL },
      instances: inspection.instances,
      result: inspection.result,
    };
    if (inspection.issues.length > 0) data.issues = inspection.issues;
    if (inspection.methodCodesFound.length > 0) data.methodCodesFound = inspection.methodCodesFound;
    if (inspection.patientIdentifiersFound.length > 0) {
      // In clear on the wire, like every patient value the hospital publishes: the ingest
      // pseudonymizes them before anything is stored.
      data.patientIdentifiersFound = inspection.patientIdentifiersFound;
    }
    const event = {
      specversion: '1.0',
      id: data.inspectionId,
      source,
      type: 'org.scantrail.deidentification.inspected',
      time: time.toISOString(),
      subject: study.studyInstanceUid,
      datacontenttype: 'application/json',
      data,
    };
    return { key: study.studyInstanceUid, value: Buffer.from(JSON.stringify(event), 'utf8') };
  });
}
