// Studies for demos, tests and the benchmark: uploaded through Orthanc's REST API
// (/tools/create-dicom) or written as real DICOM files by dcmtk's dump2dcm and sent with a
// real C-STORE (storescu). Header-only instances: the bridge reads headers, not pixels.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface DemoSeries {
  seriesInstanceUid: string;
  seriesNumber?: number;
  modality: string;
  bodyPart?: string;
  description?: string;
  instances: number;
}

export interface DemoStudy {
  studyInstanceUid: string;
  patientId?: string;
  issuerOfPatientId?: string;
  patientName?: string;
  /** YYYYMMDD, as DICOM writes it. */
  studyDate?: string;
  accessionNumber?: string;
  institutionName?: string;
  description?: string;
  series: DemoSeries[];
}

export interface DemoInstance {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  tags: Record<string, string>;
}

/** A fresh DICOM UID under the UUID-derived root 2.25 (PS3.5 B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomBytes(15).toString('hex')}`).toString()}`;
}

/** Every instance of a study with its tags, by keyword. */
export function instancesOf(study: DemoStudy): DemoInstance[] {
  const instances: DemoInstance[] = [];
  for (const series of study.series) {
    for (let n = 1; n <= series.instances; n += 1) {
      const sopInstanceUid = `${series.seriesInstanceUid}.${n}`;
      const tags: Record<string, string> = {
        SOPClassUID: CT_IMAGE_STORAGE,
        SOPInstanceUID: sopInstanceUid,
        StudyInstanceUID: study.studyInstanceUid,
        SeriesInstanceUID: series.seriesInstanceUid,
        Modality: series.modality,
        InstanceNumber: String(n),
        PatientName: study.patientName ?? '',
      };
      if (study.patientId !== undefined) tags.PatientID = study.patientId;
      if (study.issuerOfPatientId !== undefined) tags.IssuerOfPatientID = study.issuerOfPatientId;
      if (study.studyDate !== undefined) tags.StudyDate = study.studyDate;
      if (study.accessionNumber !== undefined) tags.AccessionNumber = study.accessionNumber;
      if (study.institutionName !== undefined) tags.InstitutionName = study.institutionName;
      if (study.description !== undefined) tags.StudyDescription = study.description;
      if (series.seriesNumber !== undefined) tags.SeriesNumber = String(series.seriesNumber);
      if (series.bodyPart !== undefined) tags.BodyPartExamined = series.bodyPart;
      if (series.description !== undefined) tags.SeriesDescription = series.description;
      instances.push({
        studyInstanceUid: study.studyInstanceUid,
        seriesInstanceUid: series.seriesInstanceUid,
        sopInstanceUid,
        tags,
      });
    }
  }
  return instances;
}

export interface OrthancAuth {
  username: string;
  password: string;
}

function headers(auth?: OrthancAuth): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  if (auth)
    h.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return h;
}

/** Uploads every instance through REST; returns Orthanc's study id. */
export async function uploadStudy(
  orthancUrl: string,
  study: DemoStudy,
  auth?: OrthancAuth,
): Promise<string> {
  let studyId = '';
  for (const instance of instancesOf(study)) {
    const response = await fetch(`${orthancUrl}/tools/create-dicom`, {
      method: 'POST',
      headers: headers(auth),
      body: JSON.stringify({ Tags: instance.tags, Force: true }),
    });
    if (!response.ok) {
      throw new Error(`create-dicom refused (${response.status}): ${await response.text()}`);
    }
    studyId = ((await response.json()) as { ParentStudy: string }).ParentStudy;
  }
  return studyId;
}

// Value representations of the attributes instancesOf() writes (PS3.6).
const TAGS: Record<string, [string, string]> = {
  SOPClassUID: ['0008,0016', 'UI'],
  SOPInstanceUID: ['0008,0018', 'UI'],
  StudyDate: ['0008,0020', 'DA'],
  AccessionNumber: ['0008,0050', 'SH'],
  Modality: ['0008,0060', 'CS'],
  InstitutionName: ['0008,0080', 'LO'],
  StudyDescription: ['0008,1030', 'LO'],
  SeriesDescription: ['0008,103e', 'LO'],
  PatientName: ['0010,0010', 'PN'],
  PatientID: ['0010,0020', 'LO'],
  IssuerOfPatientID: ['0010,0021', 'LO'],
  BodyPartExamined: ['0018,0015', 'CS'],
  StudyInstanceUID: ['0020,000d', 'UI'],
  SeriesInstanceUID: ['0020,000e', 'UI'],
  SeriesNumber: ['0020,0011', 'IS'],
  InstanceNumber: ['0020,0013', 'IS'],
};

/** Writes every instance of the study as a DICOM file (dcmtk dump2dcm); returns the paths. */
export async function dicomFilesOf(study: DemoStudy, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const instance of instancesOf(study)) {
    const lines = Object.entries(instance.tags)
      .map(([keyword, value]) => {
        const [tag, vr] = TAGS[keyword] ?? [];
        if (!tag || !vr) throw new Error(`no tag for ${keyword}`);
        return { tag, line: `(${tag}) ${vr} [${value.replace(/[[\]]/g, '')}]` };
      })
      .sort((a, b) => a.tag.localeCompare(b.tag))
      .map((l) => l.line);
    const dump = join(dir, `${instance.sopInstanceUid}.dump`);
    const file = join(dir, `${instance.sopInstanceUid}.dcm`);
    await writeFile(dump, `${lines.join('\n')}\n`);
    await run('dump2dcm', ['--write-file', dump, file]);
    files.push(file);
  }
  return files;
}

/** One file's path, for callers that want a single instance. */
export async function dicomFileOf(study: DemoStudy, dir: string): Promise<string> {
  const [first] = await dicomFilesOf({ ...study, series: study.series.slice(0, 1) }, dir);
  if (!first) throw new Error('the study has no instance');
  return first;
}

/** A real DICOM C-STORE association (dcmtk storescu) carrying the files. */
export async function sendWithStorescu(
  files: string[],
  target: { host: string; port: number; calledAet: string; callingAet?: string },
): Promise<void> {
  await run('storescu', [
    '-aet',
    target.callingAet ?? 'STORESCU',
    '-aec',
    target.calledAet,
    target.host,
    String(target.port),
    ...files,
  ]);
}
