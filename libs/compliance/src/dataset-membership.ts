import type { DatasetMemberFact, TargetRef } from './facts';
import { compareStrings } from './finding-order';

/**
 * Dataset members keyed for "the studies a target carries at t" and "the datasets a study
 * is in": each (dataset, study) counts from its earliest addition. One index for the
 * findings (ComplianceIndex) and the patient-rights rules (PatientRightsIndex).
 */
export class DatasetMembership {
  /** One member per (dataset, uid) with its earliest addedAt, sorted by (addedAt, uid). */
  private readonly byDataset = new Map<string, DatasetMemberFact[]>();
  private readonly byStudy = new Map<string, DatasetMemberFact[]>();

  constructor(members: readonly DatasetMemberFact[]) {
    const earliest = new Map<string, Map<string, DatasetMemberFact>>();
    for (const member of members) {
      let ofDataset = earliest.get(member.datasetId);
      if (ofDataset === undefined) {
        ofDataset = new Map();
        earliest.set(member.datasetId, ofDataset);
      }
      const known = ofDataset.get(member.studyInstanceUid);
      if (known === undefined || member.addedAt < known.addedAt) {
        ofDataset.set(member.studyInstanceUid, member);
      }
    }
    for (const [datasetId, ofDataset] of earliest) {
      const sorted = [...ofDataset.values()].sort(
        (a, b) => a.addedAt - b.addedAt || compareStrings(a.studyInstanceUid, b.studyInstanceUid),
      );
      this.byDataset.set(datasetId, sorted);
      for (const member of sorted) {
        const memberships = this.byStudy.get(member.studyInstanceUid);
        if (memberships === undefined) this.byStudy.set(member.studyInstanceUid, [member]);
        else memberships.push(member);
      }
    }
  }

  /**
   * The studies a target carries at t: a study target its study, a dataset its members
   * added at or before t (each once, in (addedAt, uid) order). A target that (against the
   * schema) names both is read as the study.
   */
  carried(target: TargetRef, at: number): string[] {
    if (target.studyInstanceUid !== undefined) return [target.studyInstanceUid];
    if (target.datasetId === undefined) return [];
    const uids: string[] = [];
    for (const member of this.byDataset.get(target.datasetId) ?? []) {
      if (member.addedAt > at) break;
      uids.push(member.studyInstanceUid);
    }
    return uids;
  }

  /** The datasets a study is a member of, each with its earliest addition. */
  membershipsOf(studyInstanceUid: string): readonly DatasetMemberFact[] {
    return this.byStudy.get(studyInstanceUid) ?? [];
  }
}
