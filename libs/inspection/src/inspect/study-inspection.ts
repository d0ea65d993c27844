import {
  METHOD_CODES,
  isPrivateTag,
  keepsOriginalValue,
  profileAttributeOf,
  retainedByOption,
} from '../basic-profile/basic-profile';
import { dictionaryEntryOf } from '../dicom-json/dicom-json.dictionary';
import { normalizeDataset } from '../dicom-json/dicom-json.normalize';
import type { DicomJsonDataset, DicomJsonElement } from '../dicom-json/dicom-json.types';
import {
  TAGS,
  comparableValues,
  firstString,
  formatTag,
  hasValue,
  itemsOf,
  nestedAttributes,
  readableText,
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
} from './inspection.types';
import {
  findIdentityElsewhere,
  identityNeedles,
  looseSideOf,
  type IdentityNeedle,
} from './patient-identity-elsewhere';

const HEAD_BODY_PARTS = new Set(['HEAD', 'BRAIN', 'SKULL', 'FACE', 'NECK']);
const HEAD_DESCRIPTION = /\b(head|brain)\b/i;
/** A head series this long can be rendered into a recognizable face. */
export const FACE_SERIES_MIN_INSTANCES = 20;

/** DICOM keyword (PS3.6) of a tag `GGGGEEEE`; none for a private tag (its creator's). */
export function keywordOf(key: string): string | undefined {
  return dictionaryEntryOf(key)?.name.replace(/^RETIRED_/, '');
}

// A study is inspected one instance at a time (StudyInspector), keeping only what the answer
// needs: per issue the instances that show it, per series what the face rule asks, method
// codes and identifiers. No data set outlives its own add(), so a run over tens of thousands
// of files holds counts, not headers. The method codes that excuse an issue (a Retain option,
// Clean Pixel Data, ...) may come with any instance, the last one included, so each issue is
// kept with what would excuse it and decided in result().

/** What would excuse an issue, decided once every method code of the study is known. */
interface Excuse {
  /** What the decision depends on beyond the issue's code and tag (part of its identity). */
  readonly on: string;
  readonly applies: (codes: ReadonlySet<string>) => boolean;
}

const excusedByCode = (code: string): Excuse => ({
  on: code,
  applies: (codes) => codes.has(code),
});
const EXCUSED_BY_CLEAN_PIXEL_DATA = excusedByCode(METHOD_CODES.CLEAN_PIXEL_DATA);
const EXCUSED_BY_RETAIN_SAFE_PRIVATE = excusedByCode(METHOD_CODES.RETAIN_SAFE_PRIVATE);

interface PendingIssue {
  code: InspectionIssueCode;
  /** `GGGGEEEE`, when the issue is about one attribute. */
  key?: string;
  /** Absent: reported whatever the method codes. */
  excuse?: Excuse;
}

/** The issues one instance shows, each once per code, tag and excuse. */
class InstanceIssues {
  readonly pending = new Map<string, PendingIssue>();

  add(code: InspectionIssueCode, key?: string, excuse?: Excuse): void {
    const id = `${code}|${key ?? ''}|${excuse?.on ?? ''}`;
    if (!this.pending.has(id)) this.pending.set(id, { code, key, excuse });
  }

  /** Equal for instances that show the same issues with the same excuses. */
  signature(): string {
    return [...this.pending.keys()].sort().join('\n');
  }
}

/**
 * The instances of a study grouped by the issues they show: instances of one study mostly
 * show the same, so this holds a few groups whatever the number of instances.
 */
class IssueTally {
  private readonly groups = new Map<string, { issues: PendingIssue[]; instances: number }>();

  add(instance: InstanceIssues): void {
    if (instance.pending.size === 0) return;
    const signature = instance.signature();
    const group = this.groups.get(signature);
    if (group) group.instances += 1;
    else this.groups.set(signature, { issues: [...instance.pending.values()], instances: 1 });
  }

  /** Per issue (code + tag) not excused by `codes`, the distinct instances that show it. */
  counts(codes: ReadonlySet<string>): IssueCounts {
    const counts = new IssueCounts();
    for (const { issues, instances } of this.groups.values()) {
      const shown = new Map<string, PendingIssue>();
      for (const issue of issues) {
        if (!issue.excuse?.applies(codes)) shown.set(`${issue.code}|${issue.key ?? ''}`, issue);
      }
      for (const { code, key } of shown.values()) counts.add(code, instances, key);
    }
    return counts;
  }
}

/** Instances per issue (code + tag), in the order and shape of the contract's `issues`. */
class IssueCounts {
  private readonly counts = new Map<string, InspectionIssue>();

  add(code: InspectionIssueCode, instances: number, key?: string): void {
    const id = `${code}|${key ?? ''}`;
    let issue = this.counts.get(id);
    if (!issue) {
      issue = { code, instances: 0 };
      if (key) {
        const keyword = keywordOf(key);
        if (keyword) issue.keyword = keyword;
        issue.tag = formatTag(key);
      }
      this.counts.set(id, issue);
    }
    issue.instances += instances;
  }

  issues(): InspectionIssue[] {
    const order = (code: InspectionIssueCode) => INSPECTION_ISSUE_CODES.indexOf(code);
    return [...this.counts.values()]
      .map((issue) => ({ ...issue }))
      .sort((a, b) => order(a.code) - order(b.code) || (a.tag ?? '').localeCompare(b.tag ?? ''));
  }
}

function methodCodesIn(dataset: DicomJsonDataset): string[] {
  return sequenceItems(dataset, TAGS.DEIDENTIFICATION_METHOD_CODE_SEQUENCE).flatMap((item) =>
    stringValues(item, TAGS.CODE_VALUE),
  );
}

function identifiersIn(dataset: DicomJsonDataset): FoundPatientIdentifier[] {
  // Patient ID has one value by the standard; a copy may hold more, and every one is found,
  // as a reader reads it (readableText): its pseudonym is compared with the registered MRN's,
  // which characters no reader sees (or full-width ones) would make another.
  const identifierOf = (holder: DicomJsonDataset): FoundPatientIdentifier[] => {
    const system = firstString(holder, TAGS.ISSUER_OF_PATIENT_ID);
    return stringValues(holder, TAGS.PATIENT_ID)
      .map(readableText)
      .filter((value) => value !== '')
      .map((value) => (system === undefined ? { value } : { system, value }));
  };
  return [
    ...identifierOf(dataset),
    ...sequenceItems(dataset, TAGS.OTHER_PATIENT_IDS_SEQUENCE).flatMap(identifierOf),
  ];
}

/**
 * Attributes the Basic Profile removes (X) present with a value, sequences walked, each with
 * the removed sequences it sits in (`within`, sorted): it is reported when no Retain option
 * keeps it and every one of those is kept (an identifying sequence is reported once, not what
 * it holds). Private attributes and sequences are left to their own issue.
 */
function findIdentifyingAttributes(
  dataset: DicomJsonDataset,
  found: (key: string, within: readonly string[]) => void,
): void {
  const stack: [holder: DicomJsonDataset, within: readonly string[]][] = [[dataset, []]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [holder, within] = next;
    for (const [key, element] of Object.entries(holder)) {
      if (!element || isPrivateTag(key)) continue;
      const removed = profileAttributeOf(key)?.removes === true && hasValue(element);
      if (removed) found(key, within);
      const items = itemsOf(element);
      if (items.length === 0) continue;
      const inner = removed && !within.includes(key) ? [...within, key].sort() : within;
      for (const item of items) stack.push([item, inner]);
    }
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
 * The original study as ORIGINAL_VALUE_RETAINED and PATIENT_IDENTITY_ELSEWHERE compare it,
 * reduced as its instances are read: per tag the Basic Profile replaces or empties (Z, D, U),
 * at any depth, the comparable forms of its values by VR (whether a Retain option excuses a
 * value depends on the VR, and the copy's method codes are known only once the copy is read);
 * and its patient's names and IDs as looked for elsewhere. Its data sets can be dropped once
 * added.
 */
export class OriginalStudyValues {
  private readonly byTag = new Map<string, Map<string, Set<string>>>();
  private readonly needlesByKey = new Map<string, IdentityNeedle>();
  /** Tags whose values the original gave loose forms (a name or ID): the copy's get them too. */
  private readonly looseTags = new Set<string>();

  /** The reduction of these instances. */
  static of(instances: readonly DicomJsonDataset[]): OriginalStudyValues {
    const values = new OriginalStudyValues();
    for (const instance of instances) values.add(instance);
    return values;
  }

  add(instance: DicomJsonDataset): void {
    const dataset = normalizeDataset(instance);
    for (const needle of identityNeedles([dataset])) {
      const key = JSON.stringify([needle.tag, needle.text, needle.loose, needle.originals]);
      if (!this.needlesByKey.has(key)) this.needlesByKey.set(key, needle);
    }
    for (const [key, element] of publicAttributes(dataset)) {
      if (isPrivateTag(key)) continue;
      if (!profileAttributeOf(key)?.replaces) continue;
      const upper = key.toUpperCase();
      const loose = looseSideOf(upper, element.vr, 'original');
      const forms = comparableValues(element, loose);
      if (forms.length === 0) continue;
      if (loose !== undefined) this.looseTags.add(upper);
      const vr = element.vr ?? '';
      let byVr = this.byTag.get(upper);
      if (!byVr) this.byTag.set(upper, (byVr = new Map<string, Set<string>>()));
      let values = byVr.get(vr);
      if (!values) byVr.set(vr, (values = new Set<string>()));
      for (const form of forms) values.add(form);
    }
  }

  /** The original's patient names and IDs in the forms looked for in a copy. */
  identityNeedles(): IdentityNeedle[] {
    return [...this.needlesByKey.values()];
  }

  /** The VRs under which the original holds one of `forms` at tag `upper`. */
  vrsHolding(upper: string, element: DicomJsonElement): string[] {
    const byVr = this.byTag.get(upper);
    if (byVr === undefined) return [];
    const forms = comparableValues(element, this.looseTags.has(upper) ? 'copy' : undefined);
    const vrs: string[] = [];
    for (const [vr, values] of byVr) if (forms.some((form) => values.has(form))) vrs.push(vr);
    return vrs;
  }
}

/**
 * Tags of the copy, at any depth, that hold a value the original had for the same tag, each
 * with the VRs the original held it under.
 */
function retainedOriginalValues(
  dataset: DicomJsonDataset,
  originals: OriginalStudyValues,
  found: (key: string, vrs: readonly string[]) => void,
): void {
  for (const [key, element] of publicAttributes(dataset)) {
    if (isPrivateTag(key)) continue;
    const upper = key.toUpperCase();
    const vrs = originals.vrsHolding(upper, element);
    if (vrs.length > 0) found(upper, vrs);
  }
}

/** What the face rule needs of a series (by Series Instance UID). */
interface SeriesSeen {
  instances: number;
  /** CT or MR, by its first instance's Modality. */
  ctOrMr: boolean;
  bodyPartGiven: boolean;
  headBodyPart: boolean;
  headDescription: boolean;
}

function seeSeries(series: SeriesSeen | undefined, dataset: DicomJsonDataset): SeriesSeen {
  const modality = series ? undefined : firstString(dataset, TAGS.MODALITY)?.toUpperCase();
  const seen = series ?? {
    instances: 0,
    ctOrMr: modality === 'CT' || modality === 'MR',
    bodyPartGiven: false,
    headBodyPart: false,
    headDescription: false,
  };
  seen.instances += 1;
  for (const part of stringValues(dataset, TAGS.BODY_PART_EXAMINED)) {
    seen.bodyPartGiven = true;
    if (HEAD_BODY_PARTS.has(part.toUpperCase())) seen.headBodyPart = true;
  }
  if (!seen.headDescription) {
    seen.headDescription = [TAGS.STUDY_DESCRIPTION, TAGS.SERIES_DESCRIPTION].some((tag) =>
      stringValues(dataset, tag).some((text) => HEAD_DESCRIPTION.test(text)),
    );
  }
  return seen;
}

function isHeadSeries(series: SeriesSeen): boolean {
  if (!series.ctOrMr) return false;
  return series.bodyPartGiven ? series.headBodyPart : series.headDescription;
}

export interface StudyInspectorOptions {
  /**
   * The original study, when at hand: enables ORIGINAL_VALUE_RETAINED and
   * PATIENT_IDENTITY_ELSEWHERE. Add all its instances before the copy's first.
   */
  originals?: OriginalStudyValues;
  /** Method codes declared elsewhere (e.g. the `study.deidentified` event), added to those found. */
  methodCodesDeclared?: readonly string[];
}

/**
 * Inspects one study an instance at a time against CONTRACT section 1's issue codes: `add`
 * each instance (it is not kept), then `result` gives the inspection of a
 * `deidentification.inspected` event, the same as `inspectStudy` over all the instances in the
 * order added. Pure: nothing is logged.
 */
export class StudyInspector {
  private instances = 0;
  private studyInstanceUid: string | undefined;
  private readonly methodCodes = new Set<string>();
  private readonly tally = new IssueTally();
  private readonly series = new Map<string, SeriesSeen>();
  private readonly identifiers = new Map<string, FoundPatientIdentifier>();
  /** One Excuse per distinct case, shared by the instances that show it. */
  private readonly excuses = new Map<string, Excuse>();
  private readonly needles: readonly IdentityNeedle[];

  constructor(private readonly options: StudyInspectorOptions = {}) {
    this.needles = options.originals?.identityNeedles() ?? [];
  }

  add(instance: DicomJsonDataset): void {
    const dataset = normalizeDataset(instance);
    this.instances += 1;
    this.studyInstanceUid ??= firstString(dataset, TAGS.STUDY_INSTANCE_UID);
    for (const code of methodCodesIn(dataset)) this.methodCodes.add(code);

    // The per-instance checks: each reports what it sees, with what would excuse it.
    const issues = new InstanceIssues();
    findIdentifyingAttributes(dataset, (key, within) =>
      issues.add('IDENTIFYING_ATTRIBUTE_PRESENT', key, this.identifyingExcuse(key, within)),
    );
    const { originals } = this.options;
    if (originals) {
      retainedOriginalValues(dataset, originals, (key, vrs) =>
        issues.add('ORIGINAL_VALUE_RETAINED', key, this.originalValueExcuse(key, vrs)),
      );
    }
    findIdentityElsewhere(dataset, this.needles, (key) =>
      issues.add('PATIENT_IDENTITY_ELSEWHERE', key),
    );
    if (firstString(dataset, TAGS.PATIENT_IDENTITY_REMOVED)?.toUpperCase() !== 'YES') {
      issues.add('IDENTITY_REMOVED_NOT_MARKED', TAGS.PATIENT_IDENTITY_REMOVED);
    }
    if (firstString(dataset, TAGS.BURNED_IN_ANNOTATION)?.toUpperCase() === 'YES') {
      issues.add('BURNED_IN_ANNOTATION', TAGS.BURNED_IN_ANNOTATION, EXCUSED_BY_CLEAN_PIXEL_DATA);
    }
    if (hasPrivateAttributes(dataset)) {
      issues.add('PRIVATE_ATTRIBUTES_RETAINED', undefined, EXCUSED_BY_RETAIN_SAFE_PRIVATE);
    }
    this.tally.add(issues);

    // What the study-level rules and answers need.
    const seriesUid = firstString(dataset, TAGS.SERIES_INSTANCE_UID) ?? '';
    this.series.set(seriesUid, seeSeries(this.series.get(seriesUid), dataset));
    for (const identifier of identifiersIn(dataset)) {
      this.identifiers.set(
        JSON.stringify([identifier.system ?? null, identifier.value]),
        identifier,
      );
    }
  }

  result(): StudyInspection {
    const methodCodesFound = [...this.methodCodes].sort();
    const codes = new Set([...methodCodesFound, ...(this.options.methodCodesDeclared ?? [])]);
    const counts = this.tally.counts(codes);
    if (
      !codes.has(METHOD_CODES.CLEAN_PIXEL_DATA) &&
      !codes.has(METHOD_CODES.CLEAN_RECOGNIZABLE_VISUAL_FEATURES)
    ) {
      let faceInstances = 0;
      for (const series of this.series.values()) {
        if (series.instances >= FACE_SERIES_MIN_INSTANCES && isHeadSeries(series)) {
          faceInstances += series.instances;
        }
      }
      if (faceInstances > 0) counts.add('FACE_RECONSTRUCTABLE', faceInstances);
    }
    const issues = counts.issues();
    return {
      studyInstanceUid: this.studyInstanceUid,
      instances: this.instances,
      result: issues.length > 0 ? 'FAIL' : 'PASS',
      issues,
      methodCodesFound,
      patientIdentifiersFound: [...this.identifiers.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, identifier]) => identifier),
    };
  }

  /** Kept by a Retain option, or inside a removed sequence no option keeps (reported instead). */
  private identifyingExcuse(key: string, within: readonly string[]): Excuse {
    const on = within.join(' ');
    return this.excuse(`X|${key}|${on}`, () => {
      const retained = (tag: string) => {
        const attribute = profileAttributeOf(tag);
        return (codes: ReadonlySet<string>) =>
          attribute !== undefined && retainedByOption(attribute, codes);
      };
      const kept = retained(key);
      const keptAround = within.map(retained);
      return {
        on,
        applies: (codes) => kept(codes) || keptAround.some((around) => !around(codes)),
      };
    });
  }

  /** A Retain option keeps the original's value under every VR it was found with. */
  private originalValueExcuse(key: string, vrs: readonly string[]): Excuse {
    const on = vrs.join(' ');
    return this.excuse(`Z|${key}|${on}`, () => {
      const attribute = profileAttributeOf(key);
      return {
        on,
        applies: (codes) =>
          attribute !== undefined && vrs.every((vr) => keepsOriginalValue(attribute, codes, vr)),
      };
    });
  }

  private excuse(id: string, make: () => Excuse): Excuse {
    let excuse = this.excuses.get(id);
    if (!excuse) this.excuses.set(id, (excuse = make()));
    return excuse;
  }
}

/**
 * Inspects the instances of one study against CONTRACT section 1's issue codes and returns the
 * inspection of a `deidentification.inspected` event: result, issues (tags and keywords, never
 * values), method codes and patient identifiers found. Pure: nothing is logged. A
 * StudyInspector over the instances; use one directly to inspect without holding them all.
 */
export function inspectStudy(input: StudyInspectionInput): StudyInspection {
  const inspector = new StudyInspector({
    originals: input.originalInstances?.length
      ? OriginalStudyValues.of(input.originalInstances)
      : undefined,
    methodCodesDeclared: input.methodCodesDeclared,
  });
  for (const instance of input.instances) inspector.add(instance);
  return inspector.result();
}

/** The Study Instance UID of a data set as grouping reads it (undefined when it has none). */
export function studyInstanceUidOf(dataset: DicomJsonDataset): string | undefined {
  return firstString(dataset, TAGS.STUDY_INSTANCE_UID);
}

/** Groups instances by Study Instance UID (instances without one share the key ''). */
export function groupByStudy<T>(
  items: readonly T[],
  datasetOf: (item: T) => DicomJsonDataset,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const uid = studyInstanceUidOf(datasetOf(item)) ?? '';
    const members = groups.get(uid);
    if (members) members.push(item);
    else groups.set(uid, [item]);
  }
  return groups;
}
