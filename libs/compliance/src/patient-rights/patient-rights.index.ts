import type { StudyFact, TargetRef } from '../facts';
import { compareStrings } from '../finding-order';
import { indexStudies, resolveStudy, type ResolvedStudy } from '../study-lineage';
import { DatasetMembership } from '../dataset-membership';
import { holdingPeriods, type HoldingPeriod, type VendorStudyEvent } from './holding-periods';
import type { InspectionFact, PatientRightsWorld, TimedStudyFact } from './patient-rights.facts';
import { isProperlyDeidentified, type PatientKey } from './proper-deidentification';

/**
 * The world as known at `asOf`: only events whose time is at or before it count,
 * registrations, derivations and inspections included (CONTRACT.md section 3.1). Built
 * once per asOf; answers per study are computed on first use and kept.
 */
export class PatientRightsIndex {
  readonly asOf: number;
  private readonly studyFacts: ReadonlyMap<string, StudyFact>;
  private readonly patientSystems = new Map<string, string>();
  private readonly derivativesOf = new Map<string, string[]>();
  private readonly membership: DatasetMembership;
  private readonly receiptsByStudy = new Map<string, VendorStudyEvent[]>();
  private readonly attestationsByStudy = new Map<string, VendorStudyEvent[]>();
  private readonly inspectionsByStudy = new Map<string, InspectionFact[]>();
  private readonly resolved = new Map<string, ResolvedStudy>();
  private readonly periods = new Map<string, ReadonlyMap<string, HoldingPeriod[]>>();
  private studiesByPatient: Map<string, string[]> | undefined;

  constructor(world: PatientRightsWorld, asOf = Number.POSITIVE_INFINITY) {
    this.asOf = asOf;
    const known = (at: number | undefined): boolean => at === undefined || at <= asOf;
    const studies: StudyFact[] = [];
    for (const fact of world.studies) {
      const visible = knownPart(fact, known);
      if (visible === undefined) continue;
      studies.push(visible);
      if (visible.patient !== undefined && fact.patientSystem !== undefined) {
        this.patientSystems.set(visible.patient, fact.patientSystem);
      }
    }
    this.studyFacts = indexStudies(studies);
    for (const fact of this.studyFacts.values()) {
      if (fact.derivedFrom !== undefined)
        push(this.derivativesOf, fact.derivedFrom, fact.studyInstanceUid);
    }
    this.membership = new DatasetMembership(world.datasetMembers.filter((m) => m.addedAt <= asOf));
    for (const d of world.disclosures) {
      if (d.at <= asOf)
        this.spread(this.receiptsByStudy, d.recipientVendorId, d.target, d.at, d.eventId);
    }
    for (const t of world.transfers) {
      if (t.at <= asOf) this.spread(this.receiptsByStudy, t.toVendorId, t.target, t.at, t.eventId);
    }
    for (const d of world.deletions) {
      if (d.at <= asOf)
        this.spread(this.attestationsByStudy, d.vendorId, d.target, d.at, d.eventId);
    }
    for (const inspection of world.inspections) {
      if (inspection.at <= asOf)
        push(this.inspectionsByStudy, inspection.studyInstanceUid, inspection);
    }
  }

  study(uid: string): ResolvedStudy {
    let study = this.resolved.get(uid);
    if (study === undefined) {
      study = resolveStudy(uid, this.studyFacts);
      this.resolved.set(uid, study);
    }
    return study;
  }

  /** Every study known to belong to the patient (originals and derivatives), in uid order. */
  studiesOfPatient(patient: string): readonly string[] {
    if (this.studiesByPatient === undefined) {
      this.studiesByPatient = new Map();
      for (const uid of this.studyFacts.keys()) {
        const owner = this.study(uid).patient;
        if (owner !== undefined) push(this.studiesByPatient, owner, uid);
      }
      for (const uids of this.studiesByPatient.values()) uids.sort(compareStrings);
    }
    return this.studiesByPatient.get(patient) ?? [];
  }

  /** The given studies and every derivative of them at any depth, in uid order. */
  withDerivatives(uids: Iterable<string>): string[] {
    const found = new Set<string>();
    const queue = [...uids];
    while (queue.length > 0) {
      const uid = queue.pop() as string;
      if (found.has(uid)) continue;
      found.add(uid);
      // One push per uid: a spread of a study's derivatives throws RangeError past ~125,000.
      for (const derived of this.derivativesOf.get(uid) ?? []) queue.push(derived);
    }
    return [...found].sort(compareStrings);
  }

  /** Holding periods of the study, per vendor (vendors in id order). */
  holdingsOf(uid: string): ReadonlyMap<string, HoldingPeriod[]> {
    let byVendor = this.periods.get(uid);
    if (byVendor === undefined) {
      const receipts = groupByVendor(this.receiptsByStudy.get(uid) ?? []);
      const attestations = groupByVendor(this.attestationsByStudy.get(uid) ?? []);
      const computed = new Map<string, HoldingPeriod[]>();
      for (const vendorId of [...receipts.keys()].sort(compareStrings)) {
        const periods = holdingPeriods(
          receipts.get(vendorId) ?? [],
          attestations.get(vendorId) ?? [],
        );
        if (periods.length > 0) computed.set(vendorId, periods);
      }
      byVendor = computed;
      this.periods.set(uid, byVendor);
    }
    return byVendor;
  }

  /** The vendor's attestations covering the study, at or after `from`. */
  attestationsOf(uid: string, vendorId: string, from: number): VendorStudyEvent[] {
    return (this.attestationsByStudy.get(uid) ?? []).filter(
      (a) => a.vendorId === vendorId && a.at >= from,
    );
  }

  /** Studies the vendor received at any time (whatever it did with them later). */
  studiesReceivedBy(vendorId: string): string[] {
    const uids: string[] = [];
    for (const [uid, receipts] of this.receiptsByStudy) {
      if (receipts.some((r) => r.vendorId === vendorId)) uids.push(uid);
    }
    return uids.sort(compareStrings);
  }

  carried(target: TargetRef, at: number): string[] {
    return this.membership.carried(target, at);
  }

  patientKeyOf(study: ResolvedStudy): PatientKey | undefined {
    if (study.patient === undefined) return undefined;
    const key: PatientKey = { value: study.patient };
    const system = this.patientSystems.get(study.patient);
    if (system !== undefined) key.system = system;
    if (study.patientValuePseudonym !== undefined) key.valuePseudonym = study.patientValuePseudonym;
    return key;
  }

  isProperlyDeidentified(uid: string): boolean {
    const study = this.study(uid);
    return isProperlyDeidentified(
      study,
      this.inspectionsByStudy.get(uid) ?? [],
      this.patientKeyOf(study),
    );
  }

  private spread(
    into: Map<string, VendorStudyEvent[]>,
    vendorId: string,
    target: TargetRef,
    at: number,
    eventId: string,
  ): void {
    for (const studyInstanceUid of this.membership.carried(target, at)) {
      push(into, studyInstanceUid, { vendorId, studyInstanceUid, at, eventId });
    }
  }
}

/** The parts of a study fact whose events had happened by the time `known` accepts. */
function knownPart(
  fact: TimedStudyFact,
  known: (at: number | undefined) => boolean,
): StudyFact | undefined {
  const visible: StudyFact = { studyInstanceUid: fact.studyInstanceUid };
  let any = false;
  if (known(fact.registeredAt)) {
    if (fact.patient !== undefined) visible.patient = fact.patient;
    if (fact.patientValuePseudonym !== undefined)
      visible.patientValuePseudonym = fact.patientValuePseudonym;
    if (fact.modality !== undefined) visible.modality = fact.modality;
    if (fact.bodyPart !== undefined) visible.bodyPart = fact.bodyPart;
    any = fact.patient !== undefined || fact.modality !== undefined;
  }
  if (known(fact.derivedAt) && fact.derivedFrom !== undefined) {
    visible.derivedFrom = fact.derivedFrom;
    if (fact.methodCodes !== undefined) visible.methodCodes = fact.methodCodes;
    any = true;
  }
  return any ? visible : undefined;
}

function groupByVendor(events: readonly VendorStudyEvent[]): Map<string, VendorStudyEvent[]> {
  const byVendor = new Map<string, VendorStudyEvent[]>();
  for (const event of events) push(byVendor, event.vendorId, event);
  return byVendor;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
