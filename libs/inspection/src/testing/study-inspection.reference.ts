// The inspection as it was before it became incremental (main of session 27 just before it): every
// instance in memory at once, the method codes collected first. Kept only as the reference the
// differential test compares StudyInspector with; not exported by the library.
import {
  METHOD_CODES,
  isPrivateTag,
  keepsOriginalValue,
  profileAttributeOf,
  retainedByOption,
} from '../basic-profile/basic-profile';
import { normalizeDataset } from '../dicom-json/dicom-json.normalize';
import type { DicomJsonDataset, DicomJsonElement } from '../dicom-json/dicom-json.types';
import {
  TAGS,
  comparableValues,
  firstString,
  formatTag,
  hasValue,
  nestedAttributes,
  sequenceItems,
  stringValues,
} from '../dicom-json/dicom-json.values';
import {
  INSPECTION_ISSUE_CODES,
  type FoundPatientIdentifier,
  type InspectionIssue,
  type InspectionIssueCode,
  type StudyInspection,
  type StudyInspectionInput,
} from '../inspect/inspection.types';
import { findIdentityElsewhere, identityNeedles } from '../inspect/patient-identity-elsewhere';
import { FACE_SERIES_MIN_INSTANCES, keywordOf } from '../inspect/study-inspection';

const HEAD_BODY_PARTS = new Set(['HEAD', 'BRAIN', 'SKULL', 'FACE', 'NECK']);
const HEAD_DESCRIPTION = /\b(head|brain)\b/i;

/** Counts, per issue (code + tag), the distinct instances that show it. */
class IssueTally {
  private readonly counts = new Map<string, { issue: InspectionIssue; instances: Set<number> }>();

  add(code: InspectionIssueCode, instance: number, key?: string): void {
    const id = `${code}|${key ?? ''}`;
    let entry = this.counts.get(id);
    if (!entry) {
      const issue: InspectionIssue = { code, instances: 0 };
      if (key) {
        const keyword = keywordOf(key);
        if (keyword) issue.keyword = keyword;
        issue.tag = formatTag(key);
      }
      entry = { issue, instances: new Set() };
      this.counts.set(id, entry);
    }
    entry.instances.add(instance);
  }

  issues(): InspectionIssue[] {
    const order = (code: InspectionIssueCode) => INSPECTION_ISSUE_CODES.indexOf(code);
    return [...this.counts.values()]
      .map(({ issue, instances }) => ({ ...issue, instances: instances.size }))
      .sort((a, b) => order(a.code) - order(b.code) || (a.tag ?? '').localeCompare(b.tag ?? ''));
  }
}

function methodCodesIn(dataset: DicomJsonDataset): string[] {
  return sequenceItems(dataset, TAGS.DEIDENTIFICATION_METHOD_CODE_SEQUENCE).flatMap((item) =>
    stringValues(item, TAGS.CODE_VALUE),
  );
}

function identifiersIn(dataset: DicomJsonDataset): FoundPatientIdentifier[] {
  // Patient ID has one value by the standard; a copy may hold more, and every one is found.
  const identifierOf = (holder: DicomJsonDataset): FoundPatientIdentifier[] => {
    const system = firstString(holder, TAGS.ISSUER_OF_PATIENT_ID);
    return stringValues(holder, TAGS.PATIENT_ID).map((value) =>
      system === undefined ? { value } : { system, value },
    );
  };
  return [
    ...identifierOf(dataset),
    ...sequenceItems(dataset, TAGS.OTHER_PATIENT_IDS_SEQUENCE).flatMap(identifierOf),
  ];
}

/** Attributes the Basic Profile removes (X) that are still there, sequences walked. */
function findIdentifyingAttributes(
  dataset: DicomJsonDataset,
  codes: ReadonlySet<string>,
  found: (key: string) => void,
): void {
  const identifying = (key: string, element: DicomJsonElement): boolean => {
    if (isPrivateTag(key)) return false;
    const attribute = profileAttributeOf(key);
    return attribute?.removes === true && hasValue(element) && !retainedByOption(attribute, codes);
  };
  // A private sequence is not walked, and an identifying sequence is reported once.
  const descend = (key: string, element: DicomJsonElement): boolean =>
    !isPrivateTag(key) && !identifying(key, element);
  for (const [key, element] of nestedAttributes(dataset, descend)) {
    if (identifying(key, element)) found(key);
  }
}

function hasPrivateAttributes(dataset: DicomJsonDataset): boolean {
  for (const [key] of nestedAttributes(dataset, () => true)) if (isPrivateTag(key)) return true;
  return false;
}

/** Public attributes at any depth (private sequences not walked). */
const publicAttributes = (dataset: DicomJsonDataset) =>
  nestedAttributes(dataset, (key) => !isPrivateTag(key));

/**
 * Per tag the Basic Profile replaces or empties (Z, D, U): the original study's values, at
 * any depth of its data sets.
 */
function originalValues(
  originals: readonly DicomJsonDataset[],
  codes: ReadonlySet<string>,
): Map<string, Set<string>> {
  const values = new Map<string, Set<string>>();
  for (const dataset of originals) {
    for (const [key, element] of publicAttributes(dataset)) {
      if (isPrivateTag(key)) continue;
      const attribute = profileAttributeOf(key);
      if (!attribute?.replaces || keepsOriginalValue(attribute, codes, element.vr)) continue;
      const forms = comparableValues(element);
      if (forms.length === 0) continue;
      const upper = key.toUpperCase();
      let set = values.get(upper);
      if (!set) values.set(upper, (set = new Set()));
      for (const form of forms) set.add(form);
    }
  }
  return values;
}

/** Tags of the copy, at any depth, that hold a value the original had for the same tag. */
function retainedOriginalValues(
  dataset: DicomJsonDataset,
  originals: ReadonlyMap<string, ReadonlySet<string>>,
  found: (key: string) => void,
): void {
  for (const [key, element] of publicAttributes(dataset)) {
    if (isPrivateTag(key)) continue;
    const upper = key.toUpperCase();
    const values = originals.get(upper);
    if (values === undefined) continue;
    if (comparableValues(element).some((form) => values.has(form))) found(upper);
  }
}

function isHeadSeries(series: readonly DicomJsonDataset[]): boolean {
  const first = series[0];
  if (!first) return false;
  const modality = firstString(first, TAGS.MODALITY)?.toUpperCase();
  if (modality !== 'CT' && modality !== 'MR') return false;
  const bodyParts = series.flatMap((dataset) =>
    stringValues(dataset, TAGS.BODY_PART_EXAMINED).map((part) => part.toUpperCase()),
  );
  if (bodyParts.length > 0) return bodyParts.some((part) => HEAD_BODY_PARTS.has(part));
  return series.some((dataset) =>
    [TAGS.STUDY_DESCRIPTION, TAGS.SERIES_DESCRIPTION].some((tag) =>
      stringValues(dataset, tag).some((text) => HEAD_DESCRIPTION.test(text)),
    ),
  );
}

/**
 * Inspects the instances of one study against CONTRACT section 1's issue codes and returns the
 * inspection of a `deidentification.inspected` event: result, issues (tags and keywords, never
 * values), method codes and patient identifiers found. Pure: nothing is logged.
 */
export function inspectStudyAtOnce(input: StudyInspectionInput): StudyInspection {
  const instances = input.instances.map(normalizeDataset);
  const methodCodesFound = [...new Set(instances.flatMap(methodCodesIn))].sort();
  const codes = new Set([...methodCodesFound, ...(input.methodCodesDeclared ?? [])]);
  const tally = new IssueTally();
  const originalInstances = input.originalInstances?.length
    ? input.originalInstances.map(normalizeDataset)
    : undefined;
  const originals = originalInstances ? originalValues(originalInstances, codes) : undefined;
  const needles = originalInstances ? identityNeedles(originalInstances) : [];

  instances.forEach((dataset, index) => {
    findIdentifyingAttributes(dataset, codes, (key) =>
      tally.add('IDENTIFYING_ATTRIBUTE_PRESENT', index, key),
    );
    if (originals) {
      retainedOriginalValues(dataset, originals, (key) =>
        tally.add('ORIGINAL_VALUE_RETAINED', index, key),
      );
    }
    findIdentityElsewhere(dataset, needles, (key) =>
      tally.add('PATIENT_IDENTITY_ELSEWHERE', index, key),
    );
    if (firstString(dataset, TAGS.PATIENT_IDENTITY_REMOVED)?.toUpperCase() !== 'YES') {
      tally.add('IDENTITY_REMOVED_NOT_MARKED', index, TAGS.PATIENT_IDENTITY_REMOVED);
    }
    if (
      firstString(dataset, TAGS.BURNED_IN_ANNOTATION)?.toUpperCase() === 'YES' &&
      !codes.has(METHOD_CODES.CLEAN_PIXEL_DATA)
    ) {
      tally.add('BURNED_IN_ANNOTATION', index, TAGS.BURNED_IN_ANNOTATION);
    }
    if (!codes.has(METHOD_CODES.RETAIN_SAFE_PRIVATE) && hasPrivateAttributes(dataset)) {
      tally.add('PRIVATE_ATTRIBUTES_RETAINED', index);
    }
  });

  if (
    !codes.has(METHOD_CODES.CLEAN_PIXEL_DATA) &&
    !codes.has(METHOD_CODES.CLEAN_RECOGNIZABLE_VISUAL_FEATURES)
  ) {
    const series = new Map<string, number[]>();
    instances.forEach((dataset, index) => {
      const uid = firstString(dataset, TAGS.SERIES_INSTANCE_UID) ?? '';
      const members = series.get(uid);
      if (members) members.push(index);
      else series.set(uid, [index]);
    });
    for (const members of series.values()) {
      const datasets = members.map((index) => instances[index]);
      if (members.length >= FACE_SERIES_MIN_INSTANCES && isHeadSeries(datasets)) {
        for (const index of members) tally.add('FACE_RECONSTRUCTABLE', index);
      }
    }
  }

  const identifiers = new Map<string, FoundPatientIdentifier>();
  for (const identifier of instances.flatMap(identifiersIn)) {
    identifiers.set(JSON.stringify([identifier.system ?? null, identifier.value]), identifier);
  }
  const issues = tally.issues();
  return {
    studyInstanceUid: instances.map((d) => firstString(d, TAGS.STUDY_INSTANCE_UID)).find(Boolean),
    instances: instances.length,
    result: issues.length > 0 ? 'FAIL' : 'PASS',
    issues,
    methodCodesFound,
    patientIdentifiersFound: [...identifiers.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, identifier]) => identifier),
  };
}
