import type {
  AgreementFact,
  ComplianceWorld,
  ConsentFact,
  DeletionFact,
  InspectionFact,
  StudyFact,
  TargetRef,
  TransferFact,
} from './facts';
import { consentCovers, type ConsentQuestion } from './consent.rules';
import { ConsentsByTime } from './consents-by-time';
import { DatasetMembership } from './dataset-membership';
import { compareStrings } from './finding-order';
import { latestInspection } from './patient-rights/proper-deidentification';
import { indexStudies, resolveStudy, type ResolvedStudy } from './study-lineage';

/**
 * The world's facts keyed for the questions findings ask, built once per evaluation so
 * that each (event, study) pair costs little more than the facts about that study.
 * Answers that several events share (a study's lineage, the transfers that carried it,
 * its deletions) are computed on first use and kept.
 */
export class ComplianceIndex {
  private readonly studyFacts: ReadonlyMap<string, StudyFact>;
  /** By patient, decision and purpose, then by recipient: those naming it, and any recipient. */
  private readonly consentsForRecipient = new Map<string, ConsentFact[]>();
  private readonly consentsForAnyRecipient = new Map<string, ConsentFact[]>();
  private readonly coveringByQuestion = new Map<string, ConsentsByTime>();
  private readonly agreementsByVendor = new Map<string, AgreementFact[]>();
  private readonly membership: DatasetMembership;
  private readonly transfersByStudy = new Map<string, TransferFact[]>();
  private readonly transfersByDataset = new Map<string, TransferFact[]>();
  private readonly deletionsByStudy = new Map<string, DeletionFact[]>();
  private readonly deletionsByDataset = new Map<string, DeletionFact[]>();
  private readonly resolved = new Map<string, ResolvedStudy>();
  private readonly latestInspections = new Map<string, InspectionFact>();
  private readonly transfersOfStudy = new Map<string, readonly TransferFact[]>();
  private readonly lastDeletionsOfStudy = new Map<string, ReadonlyMap<string, number>>();

  constructor(world: ComplianceWorld) {
    this.studyFacts = indexStudies(world.studies);
    for (const consent of world.consents) {
      for (const purpose of new Set(consent.purposes)) {
        const key = namingKey(consent.patient, consent.decision, purpose);
        if (consent.vendorIds === undefined) push(this.consentsForAnyRecipient, key, consent);
        else {
          for (const vendorId of new Set(consent.vendorIds)) {
            push(this.consentsForRecipient, `${key}\u0000${vendorId}`, consent);
          }
        }
      }
    }
    for (const agreement of world.agreements) {
      push(this.agreementsByVendor, agreement.vendorId, agreement);
    }
    this.membership = new DatasetMembership(world.datasetMembers);
    for (const transfer of world.transfers) {
      pushByTarget(transfer, this.transfersByStudy, this.transfersByDataset);
    }
    for (const deletion of world.deletions) {
      pushByTarget(deletion, this.deletionsByStudy, this.deletionsByDataset);
    }
    for (const inspection of world.inspections ?? []) {
      const known = this.latestInspections.get(inspection.studyInstanceUid);
      const latest = latestInspection(known ? [known, inspection] : [inspection]);
      if (latest) this.latestInspections.set(inspection.studyInstanceUid, latest);
    }
  }

  /** The study's latest inspection (latest time; ties: later ledger sequence), whatever its time. */
  latestInspection(studyInstanceUid: string): InspectionFact | undefined {
    return this.latestInspections.get(studyInstanceUid);
  }

  study(studyInstanceUid: string): ResolvedStudy {
    let study = this.resolved.get(studyInstanceUid);
    if (study === undefined) {
      study = resolveStudy(studyInstanceUid, this.studyFacts);
      this.resolved.set(studyInstanceUid, study);
    }
    return study;
  }

  /**
   * The consents with this decision that cover the question (consentCovers), arranged by
   * time. Only those of its patient naming its purpose and its recipient (or any recipient)
   * are asked, not every consent of the patient, and once per question (a study of this
   * index, a purpose, a recipient), not once per disclosure asking it.
   */
  coveringConsents(question: ConsentQuestion, decision: ConsentFact['decision']): ConsentsByTime {
    const { study, purpose, recipientVendorId } = question;
    const key = `${study.studyInstanceUid}\u0000${decision}\u0000${purpose}\u0000${recipientVendorId}`;
    let covering = this.coveringByQuestion.get(key);
    if (covering === undefined) {
      const found: ConsentFact[] = [];
      for (const list of this.consentsNaming(question, decision)) {
        for (const consent of list) if (consentCovers(consent, question)) found.push(consent);
      }
      covering = new ConsentsByTime(found);
      this.coveringByQuestion.set(key, covering);
    }
    return covering;
  }

  private consentsNaming(
    { study, purpose, recipientVendorId }: ConsentQuestion,
    decision: ConsentFact['decision'],
  ): (readonly ConsentFact[])[] {
    if (study.patient === undefined) return [];
    const key = namingKey(study.patient, decision, purpose);
    return [
      this.consentsForRecipient.get(`${key}\u0000${recipientVendorId}`) ?? [],
      this.consentsForAnyRecipient.get(key) ?? [],
    ];
  }

  agreementsOf(vendorId: string): readonly AgreementFact[] {
    return this.agreementsByVendor.get(vendorId) ?? [];
  }

  /**
   * Expands a target to the study uids it carries at time t: a study uid gives itself; a
   * dataset gives its members added at or before t (each once, in (addedAt, uid) order). A
   * target that (against the schema) names both is read as the study.
   */
  studiesCarried(target: TargetRef, at: number): string[] {
    return this.membership.carried(target, at);
  }

  /** Transfers whose target is the study, or a dataset holding it at the transfer's time; by time. */
  transfersCarrying(studyInstanceUid: string): readonly TransferFact[] {
    let transfers = this.transfersOfStudy.get(studyInstanceUid);
    if (transfers === undefined) {
      transfers = this.eventsCarrying(
        studyInstanceUid,
        this.transfersByStudy,
        this.transfersByDataset,
      ).sort((a, b) => a.at - b.at || compareStrings(a.transferId, b.transferId));
      this.transfersOfStudy.set(studyInstanceUid, transfers);
    }
    return transfers;
  }

  /** Per vendor, the latest time it attested deletion of the study or of a dataset holding it then. */
  lastDeletionByVendor(studyInstanceUid: string): ReadonlyMap<string, number> {
    let latest = this.lastDeletionsOfStudy.get(studyInstanceUid);
    if (latest === undefined) {
      const byVendor = new Map<string, number>();
      for (const deletion of this.eventsCarrying(
        studyInstanceUid,
        this.deletionsByStudy,
        this.deletionsByDataset,
      )) {
        const known = byVendor.get(deletion.vendorId);
        if (known === undefined || deletion.at > known)
          byVendor.set(deletion.vendorId, deletion.at);
      }
      latest = byVendor;
      this.lastDeletionsOfStudy.set(studyInstanceUid, latest);
    }
    return latest;
  }

  private eventsCarrying<E extends { at: number }>(
    studyInstanceUid: string,
    byStudy: ReadonlyMap<string, E[]>,
    byDataset: ReadonlyMap<string, E[]>,
  ): E[] {
    const events = [...(byStudy.get(studyInstanceUid) ?? [])];
    for (const member of this.membership.membershipsOf(studyInstanceUid)) {
      for (const event of byDataset.get(member.datasetId) ?? []) {
        if (member.addedAt <= event.at) events.push(event);
      }
    }
    return events;
  }
}

/** Patient pseudonyms, decisions and purposes hold no NUL: the recipient may follow. */
const namingKey = (patient: string, decision: string, purpose: string): string =>
  `${patient}\u0000${decision}\u0000${purpose}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function pushByTarget<E extends { target: TargetRef }>(
  event: E,
  byStudy: Map<string, E[]>,
  byDataset: Map<string, E[]>,
): void {
  if (event.target.studyInstanceUid !== undefined) {
    push(byStudy, event.target.studyInstanceUid, event);
  } else if (event.target.datasetId !== undefined) {
    push(byDataset, event.target.datasetId, event);
  }
}
