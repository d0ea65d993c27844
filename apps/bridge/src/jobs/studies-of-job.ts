// The studies a send job sent, asked of Orthanc (when the job journal hook did not resolve
// them as the job completed).
import { OrthancAnswerError, OrthancHttpError } from '../orthanc/orthanc-client';
import type { SendJob } from './send-jobs';

/** What the bridge asks Orthanc about a job's resources (OrthancClient). */
export interface JobResourceReader {
  study(id: string): Promise<{ MainDicomTags: { StudyInstanceUID?: string } } | undefined>;
  parentStudyUid(level: 'series' | 'instances', id: string): Promise<string | undefined>;
  patientStudyIds(id: string): Promise<string[] | undefined>;
  system(): Promise<unknown>;
}

/** The study uids the bridge remembers for Orthanc ids (BridgeStateStore.knownStudyUids). */
export type KnownStudyUids = (orthancIds: string[]) => Promise<Map<string, string[]>>;

export interface JobStudies {
  /** Study Instance UIDs of the job's resources Orthanc still has. */
  uids: string[];
  /** Why a resource of the job could not be read while Orthanc answers (never its values). */
  unreadable: string[];
}

/** The study uids of one resource of any level ([] when Orthanc no longer has it). */
async function studiesOfResource(id: string, orthanc: JobResourceReader): Promise<string[]> {
  const study = await orthanc.study(id);
  if (study)
    return study.MainDicomTags?.StudyInstanceUID ? [study.MainDicomTags.StudyInstanceUID] : [];
  const patientStudies = await orthanc.patientStudyIds(id);
  if (patientStudies) {
    const uids: string[] = [];
    for (const studyId of patientStudies) {
      const uid = (await orthanc.study(studyId))?.MainDicomTags?.StudyInstanceUID;
      if (uid) uids.push(uid);
    }
    return uids;
  }
  for (const level of ['series', 'instances'] as const) {
    const parent = await orthanc.parentStudyUid(level, id);
    if (parent) return [parent];
  }
  return [];
}

/**
 * The studies of a send job's resources (a patient, study, series or instance each). A
 * resource the bridge cannot read while Orthanc answers is reported in `unreadable` and the
 * others resolved, so it never stops the sends behind it (as d6dede8 does for studies);
 * while Orthanc itself is away the error is thrown and the step retried.
 */
export async function studiesOfJob(
  job: SendJob,
  orthanc: JobResourceReader,
  known: KnownStudyUids = () => Promise.resolve(new Map<string, string[]>()),
): Promise<JobStudies> {
  if (job.studyInstanceUids && job.studyInstanceUids.length > 0) {
    return { uids: job.studyInstanceUids, unreadable: [] };
  }
  const uids = new Set<string>();
  const unreadable: string[] = [];
  const gone: string[] = [];
  for (const id of job.resources) {
    try {
      const found = await studiesOfResource(id, orthanc);
      if (found.length === 0) gone.push(id);
      for (const uid of found) uids.add(uid);
    } catch (error) {
      if (error instanceof TypeError && /fetch failed/.test(error.message)) throw error;
      await orthanc.system().catch(() => {
        throw error; // Orthanc is away: not this job's fault, retried
      });
      // Orthanc's own messages hide its ids and never quote patient data; other errors are
      // named only.
      unreadable.push(
        error instanceof OrthancHttpError || error instanceof OrthancAnswerError
          ? error.message
          : `${(error as Error).name ?? 'an error'} while reading a resource`,
      );
    }
  }
  // Resources Orthanc no longer has (deleted after the send): the studies and patients the
  // bridge published are remembered by Orthanc id.
  if (gone.length > 0) {
    const remembered = await known(gone);
    for (const id of gone) for (const uid of remembered.get(id) ?? []) uids.add(uid);
  }
  return { uids: [...uids], unreadable };
}
