import type { Viewer } from '@scantrail/access';
import { readSql } from '../sql/read-sql';
import { rows, type Queryable } from '../sql/queryable';
import type {
  DisclosureView,
  InspectionIssueView,
  InspectionView,
  StudyView,
} from '../views/read-views';
import { loadStudyFacts, studiesReachedBy } from './study-facts';

interface DisclosureRow {
  study_uid: string;
  disclosure_id: string;
  occurred_at: Date;
  recipient_vendor_id: string;
  purpose: string;
  legal_basis: string;
  dataset_id: string | null;
  event_id: string;
  ledger_sequence: string;
}

interface InspectionRow {
  study_uid: string;
  inspection_id: string;
  occurred_at: Date;
  tool_name: string;
  tool_version: string;
  instances: number;
  result: 'PASS' | 'FAIL';
  issues: { code: string; instances: number; keyword?: string; tag?: string }[];
  method_codes_found: string[];
  ledger_sequence: string;
}

function groupBy<T>(
  keys: readonly string[],
  items: readonly T[],
  keyOf: (item: T) => string,
): Map<string, T[]> {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const item of items) groups.get(keyOf(item))?.push(item);
  return groups;
}

/**
 * Studies, their derivatives and their disclosures, batched by uid (for DataLoaders).
 * A vendor-scoped viewer sees only studies its vendor received, and only the
 * disclosures made to it; anything else reads as absent.
 */
export class StudyReadService {
  constructor(private readonly db: Queryable) {}

  /** The studies the viewer may see, by uid (unknown or hidden uids are missing). */
  async studies(viewer: Viewer, uids: readonly string[]): Promise<Map<string, StudyView>> {
    const visible = await this.visible(viewer, uids);
    return loadStudyFacts(this.db, visible);
  }

  async study(viewer: Viewer, uid: string): Promise<StudyView | null> {
    return (await this.studies(viewer, [uid])).get(uid) ?? null;
  }

  /** Direct derivatives of each study, oldest first. */
  async derivatives(viewer: Viewer, uids: readonly string[]): Promise<Map<string, StudyView[]>> {
    const links = await rows<{ source_uid: string; derived_uid: string }>(
      this.db,
      readSql('study-derivatives'),
      [[...new Set(uids)]],
    );
    const facts = await this.studies(
      viewer,
      links.map((l) => l.derived_uid),
    );
    const result = new Map<string, StudyView[]>(uids.map((u) => [u, []]));
    for (const link of links) {
      const study = facts.get(link.derived_uid);
      if (study !== undefined) result.get(link.source_uid)?.push(study);
    }
    return result;
  }

  /** Disclosures of exactly each study: direct, or through a dataset holding it then. */
  async disclosures(
    viewer: Viewer,
    uids: readonly string[],
  ): Promise<Map<string, DisclosureView[]>> {
    const found = await rows<DisclosureRow>(this.db, readSql('study-disclosures'), [
      [...new Set(uids)],
      viewer.vendorScope ?? null,
    ]);
    const views: DisclosureView[] = found.map((r) => ({
      disclosureId: r.disclosure_id,
      occurredAt: r.occurred_at,
      recipientVendorId: r.recipient_vendor_id,
      purpose: r.purpose,
      legalBasis: r.legal_basis,
      studyInstanceUid: r.study_uid,
      datasetId: r.dataset_id,
      eventId: r.event_id,
      ledgerSequence: Number(r.ledger_sequence),
    }));
    return groupBy(uids, views, (v) => v.studyInstanceUid);
  }

  /** v1.1: the inspections of each study the viewer may see, oldest first (ties: ledger sequence). */
  async inspections(
    viewer: Viewer,
    uids: readonly string[],
  ): Promise<Map<string, InspectionView[]>> {
    const visible = await this.visible(viewer, uids);
    const found =
      visible.length === 0
        ? []
        : await rows<InspectionRow>(this.db, readSql('study-inspections'), [visible]);
    const result = new Map<string, InspectionView[]>(uids.map((u) => [u, []]));
    for (const r of found) {
      const issues: InspectionIssueView[] = r.issues.map((issue) => ({
        code: issue.code,
        instances: issue.instances,
        keyword: issue.keyword ?? null,
        tag: issue.tag ?? null,
      }));
      result.get(r.study_uid)?.push({
        inspectionId: r.inspection_id,
        occurredAt: r.occurred_at,
        tool: `${r.tool_name} ${r.tool_version}`,
        instances: r.instances,
        result: r.result,
        issues,
        methodCodesFound: r.method_codes_found,
        ledgerSequence: Number(r.ledger_sequence),
      });
    }
    return result;
  }

  private async visible(viewer: Viewer, uids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(uids)];
    const scope = viewer.vendorScope;
    if (scope === undefined || unique.length === 0) return unique;
    const reached = await studiesReachedBy(this.db, scope, unique);
    return unique.filter((u) => reached.has(u));
  }
}
