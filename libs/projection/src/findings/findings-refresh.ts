import {
  AGREEMENT_CODES,
  agreementAt,
  agreementChangeRegions,
  coalesceRegions,
  agreementVerdicts,
  CONSENT_CODES,
  datasetMemberFact,
  evaluateAgreementFindings,
  evaluateConsentFindings,
  evaluateFindings,
  evaluateInspectionFindings,
  INSPECTION_CODES,
  inspectionFact,
  type AgreementFact,
  type AgreementRegion,
  type AgreementSigning,
  type AgreementTermination,
  type ComplianceWorld,
  type ConsentFact,
  type DeletionFact,
  type DisclosureFact,
  type Finding,
  type LegalBasis,
  type Purpose,
  type StoredDatasetMember,
  type StoredInspection,
  type StudyFact,
  type TargetRef,
  type TransferFact,
  wholeVendor,
} from '@scantrail/compliance';
import type { EntityManager } from 'typeorm';
import { emptySeeds, type FindingSeeds } from './findings-seeds';
import { sql } from '../sql/sql-files';

const ms = (d: Date | null): number | undefined => (d === null ? undefined : d.getTime());
const target = (study: string | null, dataset: string | null): TargetRef =>
  study !== null ? { studyInstanceUid: study } : { datasetId: dataset ?? '' };

async function column<T>(
  manager: EntityManager,
  query: string,
  params: unknown[],
  name: string,
): Promise<T[]> {
  const rows = await manager.query<Record<string, T>[]>(query, params);
  return rows.map((r) => r[name]);
}

/**
 * Every study uid whose findings the seeds can change: the seeds' whole derivation
 * families. Agreements and consents are not among them: they change only the agreement
 * findings of their vendors' events (refreshAgreementFindings), and the consent findings of
 * the disclosures they can cover (refreshConsentFindings).
 */
export async function affectedStudies(
  manager: EntityManager,
  seeds: Pick<FindingSeeds, 'studies' | 'datasets'>,
): Promise<string[]> {
  const studies = new Set(seeds.studies);
  const datasets = new Set(seeds.datasets);
  if (datasets.size > 0) {
    for (const s of await column<string>(
      manager,
      sql('studies-of-datasets'),
      [[...datasets]],
      'study_uid',
    ))
      studies.add(s);
  }
  if (studies.size === 0) return [];
  return column<string>(manager, sql('study-families'), [[...studies]], 'uid');
}

/** The vendors whose agreements the seeds signed or terminated (a termination names only its agreement). */
async function agreementVendors(manager: EntityManager, seeds: FindingSeeds): Promise<string[]> {
  const vendors = new Set(seeds.vendors);
  if (seeds.agreements.size > 0) {
    for (const v of await column<string>(
      manager,
      sql('vendors-of-agreements'),
      [[...seeds.agreements]],
      'vendor_id',
    ))
      vendors.add(v);
  }
  return [...vendors];
}

type HistoryRow = {
  kind: 'signed' | 'terminated';
  agreement_id: string;
  ledger_sequence: string;
  vendor_id: string | null;
  permitted_purposes: Purpose[] | null;
  effective_from: Date | null;
  expires_at: Date | null;
  allows_onward_transfer: boolean | null;
  event_time: Date | null;
  terminated_at: Date | null;
};

/**
 * Where the seeds' agreements can have moved agreement verdicts: for each agreement, the
 * steps from the agreement as it stood when the findings were complete through `after`
 * through every signing and termination recorded since (agreementChangeRegions). An
 * agreement not signed by then (new, or signed before rm_agreement_signings kept every
 * signing) moves every event of every vendor it was ever signed for, as does any round
 * without a position (`after` undefined: a replay).
 */
async function agreementRegions(
  manager: EntityManager,
  seeds: FindingSeeds,
  after: number | undefined,
): Promise<AgreementRegion[]> {
  if (after === undefined) return (await agreementVendors(manager, seeds)).flatMap(wholeVendor);
  // Every signing seeds its agreement too; a vendor alone adds nothing here.
  if (seeds.agreements.size === 0) return [];
  const history = new Map<
    string,
    { signings: AgreementSigning[]; terminations: AgreementTermination[] }
  >();
  for (const r of await manager.query<HistoryRow[]>(sql('agreement-history'), [
    [...seeds.agreements],
  ])) {
    const h = history.get(r.agreement_id) ?? { signings: [], terminations: [] };
    history.set(r.agreement_id, h);
    const ledgerSequence = Number(r.ledger_sequence);
    if (r.kind === 'terminated') {
      h.terminations.push({
        agreementId: r.agreement_id,
        terminatedAt: (r.terminated_at as Date).getTime(),
        ledgerSequence,
      });
    } else {
      h.signings.push({
        agreementId: r.agreement_id,
        vendorId: r.vendor_id as string,
        permittedPurposes: r.permitted_purposes as Purpose[],
        effectiveFrom: (r.effective_from as Date).getTime(),
        expiresAt: ms(r.expires_at),
        allowsOnwardTransfer: r.allows_onward_transfer as boolean,
        eventTime: (r.event_time as Date).getTime(),
        ledgerSequence,
      });
    }
  }
  const regions: AgreementRegion[] = [];
  const unknownBefore: string[] = [];
  for (const [agreementId, { signings, terminations }] of history) {
    const changed = agreementChangeRegions(signings, terminations, after);
    if (changed.length === 0) continue;
    // One push per region: a spread of a long list (an agreement signed and ended 150,000
    // times in one round) passes each as an argument, past what V8 takes (RangeError).
    for (const region of changed) regions.push(region);
    if (agreementAt(signings, terminations, after) === undefined) unknownBefore.push(agreementId);
  }
  if (unknownBefore.length > 0) {
    for (const v of await column<string>(
      manager,
      sql('vendors-of-agreements'),
      [unknownBefore],
      'vendor_id',
    ))
      for (const region of wholeVendor(v)) regions.push(region);
  }
  // Many steps of one agreement in a round read each vendor's events once, not per step.
  return coalesceRegions(regions);
}

const regionTime = (t: number | undefined): string | null =>
  t === undefined ? null : t === -Infinity ? '-infinity' : new Date(t).toISOString();

type TargetRow = {
  ledger_sequence: string;
  event_id: string;
  occurred_at: Date;
  target_study_uid: string | null;
  target_dataset_id: string | null;
};
type DisclosureColumns = {
  disclosure_id: string;
  recipient_vendor_id: string;
  purpose: Purpose;
  legal_basis: LegalBasis;
};
type TransferColumns = {
  transfer_id: string;
  from_vendor_id: string;
  to_vendor_id: string;
  purpose: Purpose;
};

// Facts are built member by member, never as { ...ref(r), more }: in V8 (node 20) a spread
// followed by members its source lacks costs about 0.8 µs a member, and a round turns
// thousands of rows into facts.
const disclosureFact = (r: TargetRow & DisclosureColumns): DisclosureFact => ({
  eventId: r.event_id,
  ledgerSequence: Number(r.ledger_sequence),
  at: r.occurred_at.getTime(),
  target: target(r.target_study_uid, r.target_dataset_id),
  disclosureId: r.disclosure_id,
  recipientVendorId: r.recipient_vendor_id,
  purpose: r.purpose,
  legalBasis: r.legal_basis,
});

const transferFact = (r: TargetRow & TransferColumns): TransferFact => ({
  eventId: r.event_id,
  ledgerSequence: Number(r.ledger_sequence),
  at: r.occurred_at.getTime(),
  target: target(r.target_study_uid, r.target_dataset_id),
  transferId: r.transfer_id,
  fromVendorId: r.from_vendor_id,
  toVendorId: r.to_vendor_id,
  purpose: r.purpose,
});

const deletionFact = (r: TargetRow & { vendor_id: string }): DeletionFact => ({
  eventId: r.event_id,
  ledgerSequence: Number(r.ledger_sequence),
  at: r.occurred_at.getTime(),
  target: target(r.target_study_uid, r.target_dataset_id),
  vendorId: r.vendor_id,
});

/** The agreements of the given vendors, each with its earliest termination. */
async function agreementsOf(
  manager: EntityManager,
  vendors: ReadonlySet<string>,
): Promise<AgreementFact[]> {
  const rows = await manager.query<
    {
      agreement_id: string;
      vendor_id: string;
      permitted_purposes: Purpose[];
      effective_from: Date;
      expires_at: Date | null;
      terminated_at: Date | null;
      allows_onward_transfer: boolean;
    }[]
  >(sql('agreements-of-vendors'), [[...vendors]]);
  return rows.map((a) => ({
    agreementId: a.agreement_id,
    vendorId: a.vendor_id,
    permittedPurposes: a.permitted_purposes,
    effectiveFrom: a.effective_from.getTime(),
    expiresAt: ms(a.expires_at),
    terminatedAt: ms(a.terminated_at),
    allowsOnwardTransfer: a.allows_onward_transfer,
  }));
}

/** Loads the facts that decide the findings of these studies. */
export async function loadWorld(
  manager: EntityManager,
  studyUids: readonly string[],
  options: {
    /**
     * Load only these disclosures (`events`) and the patient-authorized ones of the studies
     * in `retentionOf` or of datasets holding them (default: all).
     */
    onlyDisclosures?: { events: ReadonlySet<number>; retentionOf: ReadonlySet<string> };
    /**
     * Load only the disclosures one of these consent recordings can cover (disclosures-covered),
     * and no inspections: consent findings need none.
     */
    coveredBy?: readonly ConsentCoverage[];
    /** Whether to load the patients' consents (default: yes; inspection findings need none). */
    consents?: boolean;
  } = {},
): Promise<ComplianceWorld> {
  const registered = await manager.query<
    {
      study_uid: string;
      patient: string;
      patient_system: string;
      patient_value_pseudonym: string | null;
      modality: string;
      body_part: string;
    }[]
  >(sql('registered-studies'), [studyUids]);
  const derived = await manager.query<
    { derived_uid: string; source_uid: string; method_codes: string[] }[]
  >(sql('derivations-of-studies'), [studyUids]);
  const facts = new Map<string, StudyFact>();
  for (const r of registered) {
    const fact: StudyFact = {
      studyInstanceUid: r.study_uid,
      patient: r.patient,
      patientSystem: r.patient_system,
      modality: r.modality,
      bodyPart: r.body_part,
    };
    if (r.patient_value_pseudonym) fact.patientValuePseudonym = r.patient_value_pseudonym;
    facts.set(r.study_uid, fact);
  }
  for (const d of derived) {
    const fact: StudyFact = facts.get(d.derived_uid) ?? { studyInstanceUid: d.derived_uid };
    fact.derivedFrom = d.source_uid;
    fact.methodCodes = d.method_codes;
    facts.set(d.derived_uid, fact);
  }
  const patients = [...new Set(registered.map((r) => r.patient))];

  const memberRows = await manager.query<StoredDatasetMember[]>(sql('members-of-studies'), [
    studyUids,
  ]);
  const datasetIds = [...new Set(memberRows.map((m) => m.dataset_id))];

  const byTarget = <R>(
    file: 'disclosures-of-targets' | 'transfers-of-targets' | 'deletions-of-targets',
  ): Promise<(TargetRow & R)[]> =>
    manager.query<(TargetRow & R)[]>(sql(file), [studyUids, datasetIds]);
  const only = options.onlyDisclosures;
  const covered = options.coveredBy;
  const disclosures = (
    covered
      ? await manager.query<(TargetRow & DisclosureColumns)[]>(sql('disclosures-covered'), [
          studyUids,
          datasetIds,
          JSON.stringify(covered),
        ])
      : await manager.query<(TargetRow & DisclosureColumns)[]>(sql('disclosures-of-targets'), [
          studyUids,
          datasetIds,
          only ? [...only.events] : null,
          only ? studyUids.filter((uid) => only.retentionOf.has(uid)) : [],
          only
            ? [
                ...new Set(
                  memberRows
                    .filter((m) => only.retentionOf.has(m.study_uid))
                    .map((m) => m.dataset_id),
                ),
              ]
            : [],
        ])
  ).map(disclosureFact);
  // Read after the disclosures: when only covered ones are asked for and there are none, no
  // consent is needed.
  const consentRows = await manager.query<
    {
      consent_id: string;
      patient: string;
      decision: 'PERMIT' | 'DENY';
      purposes: Purpose[];
      vendor_ids: string[] | null;
      scope_study_uids: string[] | null;
      scope_modalities: string[] | null;
      valid_from: Date;
      valid_until: Date | null;
      revoked_at: Date | null;
    }[]
  >(sql('consents-of-patients'), [
    options.consents === false || (covered && disclosures.length === 0) ? [] : patients,
  ]);
  const consents: ConsentFact[] = consentRows.map((c) => ({
    consentId: c.consent_id,
    patient: c.patient,
    decision: c.decision,
    purposes: c.purposes,
    vendorIds: c.vendor_ids ?? undefined,
    scope:
      c.scope_study_uids || c.scope_modalities
        ? {
            studyInstanceUids: c.scope_study_uids ?? undefined,
            modalities: c.scope_modalities ?? undefined,
          }
        : undefined,
    validFrom: c.valid_from.getTime(),
    validUntil: ms(c.valid_until),
    revokedAt: ms(c.revoked_at),
  }));

  const transfers = (await byTarget<TransferColumns>('transfers-of-targets')).map(transferFact);
  const deletions: DeletionFact[] = (
    await byTarget<{ vendor_id: string }>('deletions-of-targets')
  ).map(deletionFact);

  const inspections = (
    await manager.query<StoredInspection[]>(sql('latest-inspections'), [covered ? [] : studyUids])
  ).map(inspectionFact);

  const vendors = new Set<string>();
  for (const d of disclosures) vendors.add(d.recipientVendorId);
  for (const t of transfers) {
    vendors.add(t.fromVendorId);
    vendors.add(t.toVendorId);
  }
  const agreements = await agreementsOf(manager, vendors);

  return {
    studies: [...facts.values()],
    consents,
    agreements,
    datasetMembers: memberRows.map(datasetMemberFact),
    disclosures,
    transfers,
    deletions,
    inspections,
  };
}

const findingKey = (sequence: string | number, study: string, code: string): string =>
  `${sequence}\u0000${study}\u0000${code}`;

/**
 * Recomputes the findings the seeds can change and writes only the difference (most
 * re-evaluated findings are unchanged; rewriting them was most of a batch's cost). Passes:
 * whole derivation families for seeds that can change any finding of a study; the
 * inspection findings of newly inspected studies; the consent findings of the disclosures
 * that recorded or revoked consents can cover; the agreement findings of the events of
 * vendors whose agreements were signed or terminated; then, for studies only carried by new
 * events, those events and the patient-authorized disclosures whose retention they can
 * change.
 */
export async function refreshFindings(
  manager: EntityManager,
  seeds: FindingSeeds,
  /** The findings were complete through this sequence before these seeds' entries. */
  after?: number,
): Promise<void> {
  const full = await affectedStudies(manager, seeds);
  const fullSet = new Set(full);
  if (full.length > 0) await replaceFindings(manager, full, await loadWorld(manager, full));

  const inspected = [...seeds.inspected].filter((uid) => !fullSet.has(uid));
  if (inspected.length > 0) await refreshInspectionFindings(manager, inspected);

  if (seeds.consents.size > 0) await refreshConsentFindings(manager, seeds.consents, fullSet);

  const regions = await agreementRegions(manager, seeds, after);
  if (regions.length > 0) await refreshAgreementFindings(manager, regions);

  const carriedSeeds = {
    ...emptySeeds(),
    studies: seeds.carried.studies,
    datasets: seeds.carried.datasets,
  };
  const carried = (await affectedStudies(manager, carriedSeeds)).filter((uid) => !fullSet.has(uid));
  if (carried.length > 0) {
    const events = new Set(seeds.carried.events);
    if (seeds.carried.eventsOfDatasets.size > 0) {
      const rows = await manager.query<{ ledger_sequence: string }[]>(sql('events-of-datasets'), [
        [...seeds.carried.eventsOfDatasets],
      ]);
      for (const r of rows) events.add(Number(r.ledger_sequence));
    }
    // The patient-authorized disclosures whose retention the round's transfers, deletions
    // and new members can change; a new disclosure alone reads none of the others.
    const { retention } = seeds.carried;
    const retentionOf = new Set(
      retention.studies.size + retention.datasets.size === 0
        ? []
        : await affectedStudies(manager, {
            ...emptySeeds(),
            studies: retention.studies,
            datasets: retention.datasets,
          }),
    );
    const world = await loadWorld(manager, carried, {
      onlyDisclosures: { events, retentionOf },
    });
    await replaceFindings(manager, carried, world, eventsOf(world));
  }
}

/**
 * A new inspection of a study can move its latest inspection, which decides only the
 * DEIDENTIFICATION_FAILED and PATIENT_IDENTIFIABLE findings of the disclosures carrying it,
 * and those depend on no consent: each such disclosure is evaluated again for those codes
 * on that study alone (evaluateInspectionFindings), without its patient's consents. A whole
 * evaluation asked every one of them about every consent: at 2,000 of each, half a second.
 */
async function refreshInspectionFindings(
  manager: EntityManager,
  studies: readonly string[],
): Promise<void> {
  // The family: the study's lineage decides its patient and whether it is a derivative.
  const family = await affectedStudies(manager, { ...emptySeeds(), studies: new Set(studies) });
  const world = await loadWorld(manager, family, { consents: false });
  const findings = evaluateInspectionFindings(world, new Set(studies));
  const existing = await manager.query<StoredFinding[]>(sql('stored-findings-of-codes'), [
    studies,
    INSPECTION_CODES,
  ]);
  await writeDifference(manager, findings, existing);
}

/** What decides which disclosures one recording of a consent can cover, its patient's studies given. */
type ConsentCoverage = {
  decision: 'PERMIT' | 'DENY';
  purposes: Purpose[];
  vendor_ids: string[] | null;
};

/**
 * A consent recorded, recorded again or revoked changes only the consent findings
 * (CONSENT_CODES), and only of the disclosures one of its recordings can cover: of its
 * patient's studies (their families, and datasets holding them), for one of its purposes,
 * to one of its recipients, under a basis it concerns (disclosures-covered). Those alone
 * are evaluated again for those codes, against the patient's consents
 * (evaluateConsentFindings); the patient's other disclosures keep their findings. A whole
 * evaluation asked every disclosure of the patient about every consent: at 2,000 of each,
 * half a second. Studies in `done` were evaluated whole by this round already.
 */
async function refreshConsentFindings(
  manager: EntityManager,
  consentIds: ReadonlySet<string>,
  done: ReadonlySet<string>,
): Promise<void> {
  const recordings = await manager.query<(ConsentCoverage & { patient: string })[]>(
    sql('consent-recordings'),
    [[...consentIds]],
  );
  if (recordings.length === 0) return;
  const studies = await column<string>(
    manager,
    sql('studies-of-patients'),
    [[...new Set(recordings.map((r) => r.patient))]],
    'study_uid',
  );
  if (studies.length === 0) return;
  const family = (
    await affectedStudies(manager, { studies: new Set(studies), datasets: new Set() })
  ).filter((uid) => !done.has(uid));
  if (family.length === 0) return;
  const world = await loadWorld(manager, family, {
    coveredBy: recordings.map(({ decision, purposes, vendor_ids }) => ({
      decision,
      purposes,
      vendor_ids,
    })),
  });
  if (world.disclosures.length === 0) return;
  const findings = evaluateConsentFindings(world, new Set(family));
  const existing = await manager.query<StoredFinding[]>(sql('stored-findings-of-disclosures'), [
    family,
    world.disclosures.map((d) => d.ledgerSequence),
    CONSENT_CODES,
  ]);
  await writeDifference(manager, findings, existing);
}

/** An event's agreement finding as stored: every study it carried shares its detail. */
type StoredVerdict = {
  /** The detail of its stored finding (null: it has none). */
  stored_detail: string | null;
  /**
   * Whether its stored rows are every study it carried with that detail: always for a
   * study's event; a dataset's may hold some members' rows only (below).
   */
  stored_whole: boolean;
};

/**
 * An agreement signed (or signed again, with another period) or terminated changes only
 * NO_AGREEMENT and UNAUTHORIZED_ONWARD_TRANSFER, and only of its vendor's events in the
 * regions its change touched (agreementRegions): the disclosures to it under a basis that
 * needs an agreement, and the transfers from or to it, with those purposes at those times.
 * Their detail names the vendor's other agreements, so every such event's verdict is
 * computed again, from the event and its vendors' agreements alone (agreementVerdicts);
 * PostgreSQL hands each event with the detail of its stored finding. An event whose
 * verdict and detail are unchanged is left alone; one that keeps its finding with another
 * detail has its detail rewritten (one row of rm_finding_details for all its studies);
 * only one that gains or loses its finding, or a dataset's event whose stored rows are not
 * every member's (see below), is evaluated with its datasets' members
 * (evaluateAgreementFindings) and written by difference. The studies an event carried do
 * not depend on agreements.
 */
export async function refreshAgreementFindings(
  manager: EntityManager,
  regions: readonly AgreementRegion[],
): Promise<void> {
  const inRegions = JSON.stringify(
    regions.map((r) => ({
      vendor_id: r.vendorId,
      side: r.side,
      purposes: r.purposes ?? null,
      before: regionTime(r.before),
      since: regionTime(r.since),
    })),
  );
  const disclosureRows = await manager.query<(TargetRow & DisclosureColumns & StoredVerdict)[]>(
    sql('agreement-disclosures-in-regions'),
    [inRegions],
  );
  const transferRows = await manager.query<(TargetRow & TransferColumns & StoredVerdict)[]>(
    sql('agreement-transfers-in-regions'),
    [inRegions],
  );
  if (disclosureRows.length + transferRows.length === 0) return;
  // A vendor's agreement change can move the findings of all its events at once (10,850
  // events, 50,180 rows and 18,465 rewritten details on the bench's ledger of 1M entries):
  // the statements that write them then hash and sort tens of MB, which spill to disk at the
  // default work_mem of 4MB. Raised for them only (set_config's is_local: never past the
  // transaction), and set back before the round's next passes plan theirs: the rewrite took
  // 225 ms instead of 420-485 (bench/HISTORY.md, session 38).
  const [{ work_mem: workMem }] = await manager.query<{ work_mem: string }[]>(
    "SELECT current_setting('work_mem') AS work_mem, set_config('work_mem', '64MB', true)",
  );
  await moveAgreementFindings(manager, disclosureRows, transferRows);
  // Not in a finally: after an error the transaction is aborted (refusing this statement,
  // which would hide the error) and rolls back, setting included.
  await manager.query("SELECT set_config('work_mem', $1, true)", [workMem]);
}

/** The agreement pass's verdicts for its candidates, and the findings they move. */
async function moveAgreementFindings(
  manager: EntityManager,
  disclosureRows: readonly (TargetRow & DisclosureColumns & StoredVerdict)[],
  transferRows: readonly (TargetRow & TransferColumns & StoredVerdict)[],
): Promise<void> {
  const stored = new Map<number, StoredVerdict>();
  const vendors = new Set<string>();
  const disclosures = disclosureRows.map((r) => {
    stored.set(Number(r.ledger_sequence), r);
    vendors.add(r.recipient_vendor_id);
    return disclosureFact(r);
  });
  const transfers = transferRows.map((r) => {
    stored.set(Number(r.ledger_sequence), r);
    vendors.add(r.from_vendor_id);
    vendors.add(r.to_vendor_id);
    return transferFact(r);
  });
  const agreements = await agreementsOf(manager, vendors);
  const flipped = new Set<number>();
  const redetailed: { sequence: number; code: string; detail: string }[] = [];
  for (const { ledgerSequence, code, issue } of agreementVerdicts({
    agreements,
    disclosures,
    transfers,
  })) {
    const before = stored.get(ledgerSequence);
    const had = before !== undefined && before.stored_detail !== null;
    if (issue === undefined && !had) continue;
    // A dataset event's stored rows may be some of its members' only: the study pass of a
    // round evaluates a member's family whole and writes that member's rows, so an event
    // whose verdict a signing or termination of the same round (or one the read models
    // already hold) changed can hold its new finding on that member alone. Unless its
    // rows are whole, it is written by difference, with its members.
    if (issue !== undefined && had && before.stored_whole) {
      if (issue.detail !== before.stored_detail) {
        redetailed.push({ sequence: ledgerSequence, code, detail: issue.detail });
      }
      continue;
    }
    flipped.add(ledgerSequence);
  }
  if (redetailed.length > 0) await rewriteDetails(manager, redetailed);
  if (flipped.size === 0) return;
  const world = {
    disclosures: disclosures.filter((d) => flipped.has(d.ledgerSequence)),
    transfers: transfers.filter((t) => flipped.has(t.ledgerSequence)),
  };
  const datasets = new Set<string>();
  for (const e of [...world.disclosures, ...world.transfers]) {
    if (e.target.datasetId !== undefined) datasets.add(e.target.datasetId);
  }
  const members =
    datasets.size > 0
      ? await manager.query<StoredDatasetMember[]>(sql('members-of-datasets'), [[...datasets]])
      : [];
  const findings = evaluateAgreementFindings({
    studies: [],
    consents: [],
    agreements,
    datasetMembers: members.map(datasetMemberFact),
    deletions: [],
    ...world,
  });
  const existing = await manager.query<StoredFinding[]>(sql('stored-findings-of-events'), [
    [...flipped],
    AGREEMENT_CODES,
  ]);
  await writeDifference(manager, findings, existing);
}

function eventsOf(world: ComplianceWorld): Set<number> {
  const events = new Set<number>();
  for (const d of world.disclosures) events.add(d.ledgerSequence);
  for (const t of world.transfers) events.add(t.ledgerSequence);
  return events;
}

type StoredFinding = { ledger_sequence: string; study_uid: string; code: string; detail: string };

/** Evaluates `world` and makes rm_findings of `studies` (of `events`, if given) equal to it. */
async function replaceFindings(
  manager: EntityManager,
  studies: readonly string[],
  world: ComplianceWorld,
  events?: ReadonlySet<number>,
): Promise<void> {
  const inScope = new Set(studies);
  const findings = evaluateFindings(world).filter((f: Finding) => inScope.has(f.studyInstanceUid));
  const existing = await manager.query<StoredFinding[]>(sql('stored-findings'), [
    studies,
    events ? [...events] : null,
  ]);
  await writeDifference(manager, findings, existing);
}

/** Whether findings of `code` keep their detail once per event (AGREEMENT_CODES). */
const sharesEventDetail = (code: string): boolean =>
  (AGREEMENT_CODES as readonly string[]).includes(code);

/** Makes the `existing` stored findings equal to `findings`: writes only what differs. */
async function writeDifference(
  manager: EntityManager,
  findings: readonly Finding[],
  existing: readonly StoredFinding[],
): Promise<void> {
  const stale = new Map(
    existing.map((r) => [findingKey(r.ledger_sequence, r.study_uid, r.code), r]),
  );
  const changed = findings.filter((f) => {
    const key = findingKey(f.ledgerSequence, f.studyInstanceUid, f.code);
    const before = stale.get(key);
    stale.delete(key);
    return before === undefined || before.detail !== f.detail;
  });
  if (stale.size + changed.length === 0) return;
  const gone = [...stale.values()];
  // An agreement finding's detail is its event's (every study shares it): sent with the
  // first of its rows only, which write-findings.sql stores once in rm_finding_details.
  // An agreement's change can write 50,000 rows of some 200 bytes of detail each.
  const detailed = new Set<string>();
  const detailOf = (f: Finding): string | null => {
    if (!sharesEventDetail(f.code)) return f.detail;
    const key = `${f.ledgerSequence} ${f.code}`;
    if (detailed.has(key)) return null;
    detailed.add(key);
    return f.detail;
  };
  await manager.query(sql('write-findings'), [
    gone.map((r) => r.ledger_sequence),
    gone.map((r) => r.study_uid),
    gone.map((r) => r.code),
    JSON.stringify(
      changed.map((f) => ({
        ledger_sequence: f.ledgerSequence,
        study_uid: f.studyInstanceUid,
        code: f.code,
        vendor_id: f.vendorId,
        event_id: f.eventId,
        occurred_at: new Date(f.occurredAt).toISOString(),
        detail: detailOf(f),
      })),
    ),
    AGREEMENT_CODES,
  ]);
  // An (event, code) whose last row went loses its detail too (rm_finding_details holds one
  // per event and code for AGREEMENT_CODES: every study of the event shares it).
  const emptied = new Map<string, { sequence: string; code: string }>();
  for (const r of gone) {
    if (!sharesEventDetail(r.code)) continue;
    emptied.set(`${r.ledger_sequence} ${r.code}`, { sequence: r.ledger_sequence, code: r.code });
  }
  if (emptied.size > 0) {
    const keys = [...emptied.values()];
    await manager.query(sql('finding-details-orphans'), [
      keys.map((k) => k.sequence),
      keys.map((k) => k.code),
    ]);
  }
}

/** Gives each (event, code) its detail, which every study it carried shares. */
async function rewriteDetails(
  manager: EntityManager,
  rows: readonly { sequence: number; code: string; detail: string }[],
): Promise<void> {
  await manager.query(sql('rewrite-finding-details'), [
    rows.map((r) => r.sequence),
    rows.map((r) => r.code),
    rows.map((r) => r.detail),
  ]);
}
