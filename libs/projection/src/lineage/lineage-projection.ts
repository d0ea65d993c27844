import {
  computeBreachesWhole,
  KEEP_STUDY_LABELS,
  REFRESH_BREACH_IMPACT,
  type LedgerProjection,
  type RecordedEntry,
} from '@scantrail/storage';
import {
  keepDeletionObligations,
  keepDeletionObligationsOfVendors,
  requestsTouched,
} from '@scantrail/queries';
import type { EntityManager } from 'typeorm';
import { sql } from '../sql/sql-files';
import { keepAccountingRows } from './accounting-rows';
import { eventTimeIso, handleEntry, type EntryOutput } from './lineage-handlers';
import {
  BREACHES,
  DATASET_MEMBERS,
  DELETIONS,
  DELETION_REQUESTS,
  DERIVATIONS,
  DISCLOSURES,
  INSPECTIONS,
  LINEAGE_TABLES,
  STUDIES,
  TRANSFERS,
  type ReadModelTable,
} from './read-model-tables';
import { writeTables, type BatchRow } from './row-writer';
import { resolveAncestry, type AncestryRow } from './study-ancestry';

/**
 * Projects ledger entries into the lineage read models. Findings are not written here: the
 * ingest's findings worker evaluates them after the commit, from the same handlers' seeds
 * (findings-catch-up.ts), and a replay calls refreshFindings itself. Order-independent:
 * every "latest wins" rule compares event times, never arrival.
 */
export class LineageProjection implements LedgerProjection {
  async project(manager: EntityManager, entries: readonly RecordedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = lineageRows(entries);

    const kept = await writeTables(
      manager,
      new Map(LINEAGE_TABLES.map((table) => [table, rows.get(table) ?? []])),
    );
    const written = (table: ReadModelTable): BatchRow[] => kept.get(table) ?? [];
    const disclosures = written(DISCLOSURES);
    const transfers = written(TRANSFERS);
    const deletions = written(DELETIONS);
    const members = written(DATASET_MEMBERS);
    // Holdings and receipts come only from these tables' new rows: without any, nothing to
    // add. One statement expands the batch's events once and writes both tables.
    let held: {
      breached: boolean | null;
      vendor_id: string | null;
      study_uid: string;
      attested: boolean | null;
      since: Date | null;
    }[] = [];
    if (disclosures.length + transfers.length + deletions.length + members.length > 0) {
      held = await manager.query(sql('vendor-holdings-and-receipts'), [
        disclosures.map((r) => r.ledger_sequence),
        transfers.map((r) => r.ledger_sequence),
        deletions.map((r) => r.ledger_sequence),
        members.map((m) => m.dataset_id),
        members.map((m) => m.study_uid),
      ]);
    }
    // A registration, derivation or inspection moves the resolved patient and "properly
    // de-identified" of its study (and a registration or derivation, of its derivatives).
    const resolve = new Set<string>();
    for (const r of rows.get(STUDIES) ?? []) resolve.add(String(r.study_uid));
    for (const r of rows.get(DERIVATIONS) ?? []) resolve.add(String(r.derived_uid));
    for (const r of rows.get(INSPECTIONS) ?? []) resolve.add(String(r.study_uid));
    const received = held.flatMap((h) =>
      h.breached === false ? [{ vendor_id: h.vendor_id as string, study_uid: h.study_uid }] : [],
    );
    const breachedHoldings = held.flatMap((h) =>
      h.breached === true
        ? [{ vendor_id: h.vendor_id as string, study_uid: h.study_uid, since: h.since as Date }]
        : [],
    );
    // The same registrations and derivations move the label study of their derivatives
    // (rm_derivations.label_uid, what trace reads).
    const labelled = [
      ...(rows.get(STUDIES) ?? []).map((r) => String(r.study_uid)),
      ...(rows.get(DERIVATIONS) ?? []).map((r) => String(r.derived_uid)),
    ];
    if (labelled.length > 0) await manager.query(KEEP_STUDY_LABELS, [labelled]);
    let resolvedInBreaches: { study_uid: string }[] = [];
    if (resolve.size > 0) resolvedInBreaches = await keepResolvedStudies(manager, [...resolve]);
    // Vendor statistics move with new receipts and with registrations and derivations,
    // which can change the patients of studies received earlier.
    const chainsChanged = [
      ...written(STUDIES).map((r) => r.study_uid),
      ...written(DERIVATIONS).map((r) => r.derived_uid),
    ];
    if (received.length + chainsChanged.length > 0) {
      await manager.query(sql('vendor-statistics'), [
        received.map((r) => r.vendor_id),
        received.map((r) => r.study_uid),
        chainsChanged,
      ]);
    }
    await keepBreachImpact(manager, {
      replaced: written(BREACHES).map((r) => String(r.breach_id)),
      holdings: breachedHoldings,
      members,
      resolved: resolvedInBreaches.map((r) => r.study_uid),
    });
    // Deletion obligations (1764103000000-deletion-obligations): the requests of the
    // patients whose studies the batch changed (a registration, derivation, inspection or
    // dataset member) and the requests it wrote are evaluated again over their whole world;
    // those touched only by new holdings rows (receipts, attestations), again for those rows'
    // vendors alone: a vendor's obligations depend on no other vendor's events, and
    // evaluating the whole world made the k-th disclosure to a patient's k-th vendor cost k
    // (session 32: 2.4 s a disclosure at 5,000 vendors). Vendors that only received, only
    // for the requests made at or after the earliest receipt (session 33: a patient's 1,000
    // requests made every disclosure after them cost 864 ms).
    const requests = (rows.get(DELETION_REQUESTS) ?? []).map((r) => String(r.request_id));
    const whole = await requestsTouched(
      manager,
      [...resolve, ...members.map((m) => String(m.study_uid))],
      requests,
    );
    await keepDeletionObligations(manager, whole);
    const holdings = held.filter((h) => h.breached === null);
    if (holdings.length > 0) {
      const done = new Set(whole);
      const attesting = new Set(
        holdings.flatMap((h) => (h.attested ? [h.vendor_id as string] : [])),
      );
      const attested = holdings.filter((h) => attesting.has(h.vendor_id as string));
      if (attested.length > 0) {
        // A vendor attesting again moves no request made before its earlier attestation
        // (session 34: each of a patient's 3,000 requests was evaluated again, 421 ms).
        const [{ since }] = await manager.query<{ since: Date | null }[]>(
          sql('attestations-settled'),
          [
            attested.map((h) => h.vendor_id),
            attested.map((h) => h.study_uid),
            attested.map((h) => h.since),
            attested.map((h) => h.attested),
          ],
        );
        const touched = await requestsTouched(
          manager,
          attested.map((h) => h.study_uid),
          [],
          since ?? undefined,
        );
        await keepDeletionObligationsOfVendors(
          manager,
          touched.filter((r) => !done.has(r)),
          [...attesting],
          since ?? undefined,
        );
      }
      const receiving = holdings.filter((h) => !attesting.has(h.vendor_id as string));
      if (receiving.length > 0) {
        const since = new Date(
          receiving.reduce((t, h) => Math.min(t, (h.since as Date).getTime()), Infinity),
        );
        const touched = await requestsTouched(
          manager,
          receiving.map((h) => h.study_uid),
          [],
          since,
        );
        await keepDeletionObligationsOfVendors(
          manager,
          touched.filter((r) => !done.has(r)),
          receiving.map((h) => h.vendor_id as string),
          since,
        );
      }
    }
    await keepAccountingRows(manager, {
      studies: chainsChanged.map(String),
      members: members.map((m) => ({
        dataset_id: String(m.dataset_id),
        study_uid: String(m.study_uid),
      })),
      disclosures: disclosures.map((r) => r.ledger_sequence),
      transfers: transfers.map((r) => r.ledger_sequence),
    });
  }
}

/**
 * Keeps rm_breach_affected and rm_breach_counts (1764102000000-breach-impact): a breach the
 * batch reported (or replaced by a later report of the same id) is computed whole over its
 * vendor's holdings; for the others, only the (breach, study) pairs the batch may have
 * changed: new holdings rows of a breached vendor, new members of a dataset a breach names,
 * studies some breach affects whose patient or de-identification moved.
 */
async function keepBreachImpact(
  manager: EntityManager,
  batch: {
    replaced: string[];
    holdings: { vendor_id: string; study_uid: string; since: Date }[];
    members: BatchRow[];
    resolved: string[];
  },
): Promise<void> {
  if (batch.holdings.length + batch.members.length + batch.resolved.length > 0) {
    await manager.query(REFRESH_BREACH_IMPACT, [
      batch.holdings.map((h) => h.vendor_id),
      batch.holdings.map((h) => h.study_uid),
      batch.members.map((m) => m.dataset_id),
      batch.members.map((m) => m.study_uid),
      batch.resolved,
      batch.replaced,
      batch.holdings.map((h) => h.since),
    ]);
  }
  if (batch.replaced.length > 0) await computeBreachesWhole(manager, batch.replaced);
}

/**
 * The rows the handlers give for `entries`, per table, each with its entry's time and
 * sequence, before any rule of `keep` (pure: what `project` writes, and what a bulk loader
 * merges over a whole stream).
 */
export function lineageRows(entries: readonly RecordedEntry[]): Map<ReadModelTable, BatchRow[]> {
  const rows = new Map<ReadModelTable, BatchRow[]>();
  for (const e of entries) {
    const event_time = eventTimeIso(e.time);
    const out: EntryOutput = {
      row: (table, values) => {
        // The handler's own fresh object, extended in place: `{ ...values, event_time, ... }`
        // takes V8's slow path (members its source lacks) on every row.
        const row = values as BatchRow;
        row.event_time = event_time;
        row.ledger_sequence = e.sequence;
        const list = rows.get(table);
        if (list === undefined) rows.set(table, [row]);
        else list.push(row);
      },
      // No seeds: what an entry changes of the findings is the findings worker's
      // business (findingSeedsOf), so the ingest does not gather it.
    };
    handleEntry(e, out, 'lineage');
  }
  return rows;
}

/**
 * Keeps rm_resolved_studies for the studies a batch moved and their derivatives: their
 * ancestry read in one statement, the walks up each chain made once here (resolveAncestry),
 * the rows kept in a second. One statement walking up from every moved study separately made
 * a registration above an n-deep chain cost n(n+1)/2 rows of paths (session 17's attack: a
 * 400-deep chain filled the disk). Returns the changed studies that some breach affects.
 */
async function keepResolvedStudies(
  manager: EntityManager,
  studies: string[],
): Promise<{ study_uid: string }[]> {
  const ancestry = await manager.query<AncestryRow[]>(sql('study-ancestry'), [studies]);
  const resolved = resolveAncestry(ancestry);
  return manager.query<{ study_uid: string }[]>(sql('keep-resolved-studies'), [
    resolved.map((r) => r.uid),
    resolved.map((r) => r.originalUid),
    resolved.map((r) => r.patient),
    resolved.map((r) => r.patientSystem),
    resolved.map((r) => r.valuePseudonym),
  ]);
}
