// The fast loader's findings: what the findings worker's rounds converge to (the whole
// ledger's evaluation, findings-catch-up.ts), computed once over the finished read models
// instead of round by round. The rounds re-evaluate a study's whole derivation family
// (and, through vendor and agreement seeds, every study of a vendor) each time an entry
// touches it; here every family is evaluated once, by the same loadWorld and rules, in
// groups of whole families, and the findings are copied into the empty rm_finding_rows
// and rm_finding_details (an agreement finding's detail once per event and code).
import {
  AGREEMENT_CODES,
  evaluateFindings,
  type ComplianceWorld,
  type Finding,
} from '@scantrail/compliance';
import { loadWorld, storeFindingsProgress } from '@scantrail/projection';
import {
  ALL_FINDINGS_COUNTS,
  ALL_FINDINGS_MONTHS,
  BinaryCopyEncoder,
  copyIn,
} from '@scantrail/storage';
import type { ClientBase } from 'pg';
import type { EntityManager } from 'typeorm';

/** Studies evaluated together (whole families, so a group may pass it by one family). */
export const FINDINGS_GROUP_STUDIES = 4_000;

/**
 * Every study uid a finding can be about, or whose facts a finding can read: registered
 * studies, both ends of each derivation, the study targets of disclosures, transfers and
 * deletions, dataset members and inspected studies. The rounds only ever evaluate studies
 * reached from these (affectedStudies); a study here that no round reached has no finding
 * (findings come from disclosures and transfers, whose targets are all here).
 */
const UNIVERSE = `
  SELECT study_uid AS uid FROM rm_studies
  UNION SELECT derived_uid FROM rm_derivations
  UNION SELECT source_uid FROM rm_derivations
  UNION SELECT target_study_uid FROM rm_disclosures WHERE target_study_uid IS NOT NULL
  UNION SELECT target_study_uid FROM rm_transfers WHERE target_study_uid IS NOT NULL
  UNION SELECT target_study_uid FROM rm_deletions WHERE target_study_uid IS NOT NULL
  UNION SELECT study_uid FROM rm_dataset_members
  UNION SELECT study_uid FROM rm_inspections`;

const FINDING_COLUMNS =
  'ledger_sequence, study_uid, code, vendor_id, event_id, occurred_at, detail';

/**
 * The derivation families of `uids`, each as a list: the connected parts of the
 * derivation graph (each derivative has one source), which is what study-families.sql
 * walks (up to the originals, then down to every derivative) from any of its members.
 */
export function derivationFamilies(
  uids: Iterable<string>,
  derivations: readonly { derived_uid: string; source_uid: string }[],
): string[][] {
  const parent = new Map<string, string>();
  const find = (uid: string): string => {
    let root = uid;
    for (let up = parent.get(root); up !== undefined && up !== root; up = parent.get(root)) {
      root = up;
    }
    // Path compression: every uid on the way points at the root.
    for (let at = uid; at !== root;) {
      const up = parent.get(at) as string;
      parent.set(at, root);
      at = up;
    }
    return root;
  };
  for (const uid of uids) if (!parent.has(uid)) parent.set(uid, uid);
  for (const { derived_uid: derived, source_uid: source } of derivations) {
    if (!parent.has(derived)) parent.set(derived, derived);
    if (!parent.has(source)) parent.set(source, source);
    const a = find(derived);
    const b = find(source);
    if (a !== b) parent.set(a, b);
  }
  const families = new Map<string, string[]>();
  for (const uid of parent.keys()) {
    const root = find(uid);
    const family = families.get(root);
    if (family === undefined) families.set(root, [uid]);
    else family.push(uid);
  }
  return [...families.values()];
}

const SHARED_DETAIL: ReadonlySet<string> = new Set(AGREEMENT_CODES);

/** The rows, an agreement code's without detail (migration 1764112000000-finding-details). */
function encodeFindings(findings: readonly Finding[]): Buffer {
  const out = new BinaryCopyEncoder(findings.length * 200 + 64);
  for (const f of findings) {
    const row = out
      .row(7)
      .int8(f.ledgerSequence)
      .text(f.studyInstanceUid)
      .text(f.code)
      .text(f.vendorId)
      .text(f.eventId)
      .timestamptz(f.occurredAt);
    if (SHARED_DETAIL.has(f.code)) row.null();
    else row.text(f.detail);
  }
  return out.finish();
}

/**
 * The details of the agreement findings whose (event, code) is not in `written` yet (an
 * event's studies may lie in several groups), which it then holds.
 */
function encodeDetails(findings: readonly Finding[], written: Set<string>): Buffer | undefined {
  const out = new BinaryCopyEncoder(findings.length * 100 + 64);
  let rows = 0;
  for (const f of findings) {
    if (!SHARED_DETAIL.has(f.code)) continue;
    const key = `${f.ledgerSequence} ${f.code}`;
    if (written.has(key)) continue;
    written.add(key);
    out.row(3).int8(f.ledgerSequence).text(f.code).text(f.detail);
    rows += 1;
  }
  return rows > 0 ? out.finish() : undefined;
}

export interface WholeFindingsResult {
  /** Study uids evaluated, in how many derivation families and groups of them. */
  studies: number;
  families: number;
  groups: number;
  findings: number;
}

/**
 * Evaluates the findings of every derivation family over the finished read models and
 * copies them into rm_finding_rows and rm_finding_details (empty), sets the per-(code,
 * vendor) and per-month counts from them and the findings position to `headSequence`, as
 * the worker's rounds leave them once they have caught up with the ledger.
 */
export async function evaluateWholeFindings(
  manager: EntityManager,
  client: ClientBase,
  headSequence: number,
  groupStudies = FINDINGS_GROUP_STUDIES,
  /** Loads the next group's facts while this one is evaluated (default: `manager`). */
  reader: EntityManager = manager,
): Promise<WholeFindingsResult> {
  const universe = await manager.query<{ uid: string }[]>(UNIVERSE);
  const derivations = await manager.query<{ derived_uid: string; source_uid: string }[]>(
    'SELECT derived_uid, source_uid FROM rm_derivations',
  );
  const families = derivationFamilies(
    universe.map((r) => r.uid),
    derivations,
  );
  const groups: string[][] = [];
  let group: string[] = [];
  for (const family of families) {
    for (const uid of family) group.push(uid);
    if (group.length >= groupStudies) {
      groups.push(group);
      group = [];
    }
  }
  if (group.length > 0) groups.push(group);

  const result: WholeFindingsResult = {
    studies: 0,
    families: families.length,
    groups: groups.length,
    findings: 0,
  };
  const load = (at: number): Promise<ComplianceWorld> | undefined => {
    if (at >= groups.length) return undefined;
    const loading = loadWorld(reader, groups[at]);
    loading.catch(() => undefined); // awaited in turn below
    return loading;
  };
  const detailed = new Set<string>();
  let next = load(0);
  for (let at = 0; next !== undefined; at++) {
    const world = await next;
    next = load(at + 1);
    const studies = groups[at];
    const inScope = new Set(studies);
    const findings = evaluateFindings(world).filter((f) => inScope.has(f.studyInstanceUid));
    result.studies += studies.length;
    result.findings += findings.length;
    if (findings.length === 0) continue;
    await copyIn(
      client,
      `COPY rm_finding_rows (${FINDING_COLUMNS}) FROM STDIN (FORMAT binary)`,
      encodeFindings(findings),
    );
    const details = encodeDetails(findings, detailed);
    if (details !== undefined) {
      await copyIn(
        client,
        'COPY rm_finding_details (ledger_sequence, code, detail) FROM STDIN (FORMAT binary)',
        details,
      );
    }
  }
  await manager.query(ALL_FINDINGS_COUNTS);
  await manager.query(ALL_FINDINGS_MONTHS);
  if (headSequence >= 0) await storeFindingsProgress(manager, headSequence);
  return result;
}
