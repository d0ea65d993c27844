// Pure: what an Orthanc study's records say, as the data of CONTRACT section 1 events.
import type { DicomJsonDataset, OrthancSeries, OrthancStudy } from '../orthanc/orthanc-client';
import { dicomDateToIso } from '../orthanc/orthanc-time';

/** Basic Application Confidentiality Profile (CID 7050): Orthanc's anonymization applies it. */
export const BASIC_PROFILE_CODE = '113100';

export interface StudyFacts {
  study: OrthancStudy;
  series: OrthancSeries[];
  /** Simplified tags of one instance of the first series (Issuer of Patient ID, Institution). */
  instanceTags: Record<string, unknown>;
  orthancName: string;
  patientIdSystem: string;
}

export type Registration =
  { kind: 'registered'; data: Record<string, unknown> } | { kind: 'held'; reason: string };

function tag(tags: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = tags?.[name];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function seriesNumber(series: OrthancSeries): number | undefined {
  const raw = tag(series.MainDicomTags, 'SeriesNumber');
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** The first series by Series Number (numbered before unnumbered), then Series Instance UID. */
export function firstSeries(series: readonly OrthancSeries[]): OrthancSeries | undefined {
  return [...series].sort((a, b) => {
    const na = seriesNumber(a);
    const nb = seriesNumber(b);
    if (na !== nb) {
      if (na === undefined) return 1;
      if (nb === undefined) return -1;
      return na - nb;
    }
    const ua = a.MainDicomTags.SeriesInstanceUID ?? '';
    const ub = b.MainDicomTags.SeriesInstanceUID ?? '';
    return ua < ub ? -1 : ua > ub ? 1 : 0;
  })[0];
}

/** A DICOM code string as the contract's schema takes it (upper case, at most 16 chars). */
export function dicomCode(value: string | undefined): string | undefined {
  const code = value
    ?.trim()
    .toUpperCase()
    .replace(/[^A-Z0-9_ ]/g, '_')
    .replace(/ +/g, ' ')
    .slice(0, 16)
    .trim();
  return code === undefined || code === '' ? undefined : code;
}

/** `study.registered` data, or why the study is held (never a guess). */
export function studyRegistration(facts: StudyFacts): Registration {
  const { study, instanceTags } = facts;
  const patientId = tag(instanceTags, 'PatientID') ?? tag(study.PatientMainDicomTags, 'PatientID');
  if (patientId === undefined) return { kind: 'held', reason: 'no Patient ID (0010,0020)' };
  const studyDateRaw = tag(study.MainDicomTags, 'StudyDate') ?? tag(instanceTags, 'StudyDate');
  const studyDate = dicomDateToIso(studyDateRaw);
  if (studyDate === undefined) {
    return {
      kind: 'held',
      reason:
        studyDateRaw === undefined
          ? 'no Study Date (0008,0020)'
          : 'Study Date (0008,0020) is not a date',
    };
  }
  const first = firstSeries(facts.series);
  const studyInstanceUid = study.MainDicomTags.StudyInstanceUID ?? '';
  const data: Record<string, unknown> = {
    studyInstanceUid,
    patient: {
      system: tag(instanceTags, 'IssuerOfPatientID') ?? facts.patientIdSystem,
      value: patientId,
    },
    modality: dicomCode(first?.MainDicomTags.Modality) ?? 'OT',
    bodyPart: dicomCode(first?.MainDicomTags.BodyPartExamined) ?? 'UNKNOWN',
    studyDate,
    facility:
      tag(instanceTags, 'InstitutionName') ??
      tag(study.MainDicomTags, 'InstitutionName') ??
      facts.orthancName,
  };
  const accession = tag(study.MainDicomTags, 'AccessionNumber');
  if (accession !== undefined) data.accessionNumber = accession;
  const description = tag(study.MainDicomTags, 'StudyDescription');
  if (description !== undefined) data.description = description;
  return { kind: 'registered', data };
}

const METHOD_CODE_SEQUENCE = '00120064';
const CODE_VALUE = '00080100';

/** `113100` first, then every (0012,0064) code value of the instances, once each. */
export function methodCodesOf(instances: readonly DicomJsonDataset[]): string[] {
  const codes = new Set<string>([BASIC_PROFILE_CODE]);
  for (const instance of instances) {
    const items = instance[METHOD_CODE_SEQUENCE]?.Value;
    for (const item of Array.isArray(items) ? items : []) {
      const values = (item as DicomJsonDataset)[CODE_VALUE]?.Value;
      const value: unknown = Array.isArray(values) ? values[0] : undefined;
      if (typeof value === 'string' && value.trim() !== '') codes.add(value.trim());
    }
  }
  return [...codes];
}

export function deidentifiedData(
  sourceStudyInstanceUid: string,
  derivedStudyInstanceUid: string,
  instances: readonly DicomJsonDataset[],
  orthancVersion: string,
): Record<string, unknown> {
  return {
    sourceStudyInstanceUid,
    derivedStudyInstanceUid,
    methodCodes: methodCodesOf(instances),
    tool: { name: 'Orthanc', version: orthancVersion },
  };
}
