// The studies a send job sent, asked of Orthanc (when the job journal hook did not resolve
// them as the job completed).
import type { SendJob } from './send-jobs';

/** What the bridge asks Orthanc about a job's resources (OrthancClient). */
export interface JobResourceReader {
  study(id: string): Promise<{ MainDicomTags: { StudyInstanceUID?: string } } | undefined>;
  parentStudyUid(level: 'series' | 'instances', id: string): Promise<string | undefined>;
  patientStudyIds(id: string): Promise<string[] | undefined>;
  system(): Promise<unknown>;
}

export interface JobStudies {
  /** Study Instance UIDs of the job's resources Orthanc still has. */
  uids: string[];
  /** Why a resource of the job could not be read while Orthanc answers (never its values). */
  unreadable: string[];
}

export async function studiesOfJob(job: SendJob, orthanc: JobResourceReader): Promise<JobStudies> {
  if (job.studyInstanceUids && job.studyInstanceUids.length > 0) {
    return { uids: job.studyInstanceUids, unreadable: [] };
  }
  const uids = new Set<string>();
  for (const id of job.resources) {
    const study = await orthanc.study(id);
    if (study) {
      if (study.MainDicomTags.StudyInstanceUID) uids.add(study.MainDicomTags.StudyInstanceUID);
      continue;
    }
    for (const level of ['series', 'instances'] as const) {
      const parent = await orthanc.parentStudyUid(level, id);
      if (parent) {
        uids.add(parent);
        break;
      }
    }
  }
  return { uids: [...uids], unreadable: [] };
}
