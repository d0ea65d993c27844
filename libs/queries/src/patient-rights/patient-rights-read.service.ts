import { AccessDeniedError, type AccessLogService, type Viewer } from '@scantrail/access';
import {
  DELETION_STATUSES,
  PatientRightsIndex,
  deletionRequestForVendor,
  evaluateBreachImpact,
  evaluateDeletionRequest,
  type BreachFact,
  type DeletionRequestFact,
  type DeletionRequestState,
  type DeletionStatus,
  type TargetRef,
} from '@scantrail/compliance';
import { CursorCodec } from '../paging/cursor-codec';
import { pageSize, toPage, type Page, type PageArgs } from '../paging/page';
import { rows, type Queryable } from '../sql/queryable';
import { InvalidArgumentError } from '../errors/read-errors';
import {
  loadPatientsWorld,
  loadVendorWorld,
  type LoadedWorld,
} from './patient-rights-facts.loader';
import {
  BREACHES_COUNT,
  BREACHES_PAGE,
  BREACH_BY_ID,
  LEDGER_SIZE,
  REQUESTS_UNTIL,
  REQUEST_BY_ID,
} from './patient-rights.sql';
import type {
  BreachAffectedView,
  BreachImpactView,
  DeletionRequestView,
} from './patient-rights.views';

interface RequestRow {
  request_id: string;
  patient: string;
  patient_system: string;
  requested_at: Date;
  due_by: Date;
  scope_study_uids: string[] | null;
  legal_ground: string | null;
  event_id: string;
  ledger_sequence: string;
}

interface BreachRow {
  breach_id: string;
  vendor_id: string;
  discovered_at: Date;
  exposure_from: Date | null;
  exposure_to: Date;
  affected_study_uids: string[] | null;
  affected_dataset_ids: string[] | null;
  description: string | null;
  event_id: string;
  ledger_sequence: string;
}

export interface DeletionRequestsArgs extends PageArgs {
  status?: DeletionStatus | null;
  asOf?: Date | null;
  /**
   * Only requests with an obligation of this vendor, showing only its obligations and a
   * status over them (what the vendor itself sees); a vendor token may name only itself.
   */
  vendorId?: string | null;
}

const REQUEST_CURSOR = new CursorCodec('deletionRequests', ['number', 'string'] as const);
const BREACH_CURSOR = new CursorCodec('breaches', ['string'] as const);

function requestFact(r: RequestRow): DeletionRequestFact {
  const fact: DeletionRequestFact = {
    requestId: r.request_id,
    patient: r.patient,
    at: r.requested_at.getTime(),
    dueBy: r.due_by.getTime(),
    eventId: r.event_id,
    ledgerSequence: Number(r.ledger_sequence),
  };
  if (r.scope_study_uids !== null) fact.scopeStudyInstanceUids = r.scope_study_uids;
  return fact;
}

function breachFact(r: BreachRow): BreachFact {
  const fact: BreachFact = {
    breachId: r.breach_id,
    vendorId: r.vendor_id,
    discoveredAt: r.discovered_at.getTime(),
    exposureTo: r.exposure_to.getTime(),
    eventId: r.event_id,
    ledgerSequence: Number(r.ledger_sequence),
    at: r.discovered_at.getTime(),
  };
  if (r.exposure_from !== null) fact.exposureFrom = r.exposure_from.getTime();
  if (r.affected_study_uids !== null || r.affected_dataset_ids !== null) {
    const targets: TargetRef[] = [
      ...(r.affected_study_uids ?? []).map((studyInstanceUid) => ({ studyInstanceUid })),
      ...(r.affected_dataset_ids ?? []).map((datasetId) => ({ datasetId })),
    ];
    fact.affectedTargets = targets;
  }
  return fact;
}

/**
 * Deletion requests and breach impact (CONTRACT v1.1 section 3.1), evaluated when asked by
 * the pure rules of @scantrail/compliance over facts loaded from the read models: the
 * answers depend on `asOf`, so they are not stored. A vendor reads only requests with an
 * obligation of its own (only those obligations, no pseudonym) and breaches of itself;
 * naming another by id is FORBIDDEN. `deletionRequest` names a patient: it is recorded in
 * the access log before it is answered.
 */
export class PatientRightsReadService {
  constructor(
    private readonly db: Queryable,
    private readonly accessLog: AccessLogService,
  ) {}

  async deletionRequest(
    viewer: Viewer,
    requestId: string,
    asOf: Date | null | undefined,
    operation = 'deletionRequest',
  ): Promise<DeletionRequestView | null> {
    const at = asOf ?? new Date();
    const [row] = await rows<RequestRow>(this.db, REQUEST_BY_ID, [requestId]);
    const scope = viewer.vendorScope;
    if (row === undefined) {
      if (scope !== undefined) throw forbidden('deletionRequest');
      return null;
    }
    const loaded = await loadPatientsWorld(this.db, [row.patient]);
    const view = this.requestView(row, loaded, at, scope, scope === undefined);
    if (scope !== undefined && view === null) throw forbidden('deletionRequest');
    if (view !== null) {
      await this.accessLog.record(this.db, {
        actor: viewer.subject,
        roles: viewer.roles,
        operation,
        patientPseudonym: row.patient,
      });
    }
    return view;
  }

  async deletionRequests(
    viewer: Viewer,
    args: DeletionRequestsArgs,
  ): Promise<Page<DeletionRequestView>> {
    const size = pageSize(args.first);
    if (
      args.status !== null &&
      args.status !== undefined &&
      !DELETION_STATUSES.includes(args.status)
    ) {
      throw new InvalidArgumentError(`status must be one of ${DELETION_STATUSES.join(', ')}`);
    }
    const after =
      args.after === null || args.after === undefined
        ? undefined
        : REQUEST_CURSOR.decode(args.after);
    const own = viewer.vendorScope;
    const named = args.vendorId ?? undefined;
    if (own !== undefined && named !== undefined && named !== own) {
      throw forbidden('deletionRequests');
    }
    const at = args.asOf ?? new Date();
    const requests = await rows<RequestRow>(this.db, REQUESTS_UNTIL, [at]);
    const loaded = await this.worldOfPatients([...new Set(requests.map((r) => r.patient))]);
    const views = requests
      .map((r) => this.requestView(r, loaded, at, own ?? named, own === undefined))
      .filter((v): v is DeletionRequestView => v !== null)
      .filter((v) => args.status === null || args.status === undefined || v.status === args.status);
    const key = (v: DeletionRequestView): [number, string] => [
      v.requestedAt.getTime(),
      v.requestId,
    ];
    const start =
      after === undefined
        ? 0
        : views.findIndex((v) => {
            const [t, id] = key(v);
            return t > after[0] || (t === after[0] && id > after[1]);
          });
    const rest = start < 0 ? [] : views.slice(start, start + size + 1);
    return toPage(
      rest,
      size,
      (v) => REQUEST_CURSOR.encode(key(v)),
      (v) => v,
      views.length,
    );
  }

  async breachImpact(viewer: Viewer, breachId: string): Promise<BreachImpactView | null> {
    const [row] = await rows<BreachRow>(this.db, BREACH_BY_ID, [breachId]);
    const scope = viewer.vendorScope;
    if (scope !== undefined && (row === undefined || row.vendor_id !== scope)) {
      throw forbidden('breachImpact');
    }
    if (row === undefined) return null;
    return this.breachView(row, scope);
  }

  async breaches(viewer: Viewer, args: PageArgs): Promise<Page<BreachImpactView>> {
    const size = pageSize(args.first);
    const after =
      args.after === null || args.after === undefined ? null : BREACH_CURSOR.decode(args.after)[0];
    const scope = viewer.vendorScope ?? null;
    const fetched = await rows<BreachRow>(this.db, BREACHES_PAGE, [scope, after, size + 1]);
    const views = new Map<string, BreachImpactView>();
    for (const row of fetched.slice(0, size)) {
      views.set(row.breach_id, await this.breachView(row, viewer.vendorScope));
    }
    const count = async (): Promise<number> =>
      (await rows<{ n: number }>(this.db, BREACHES_COUNT, [scope]))[0].n;
    return toPage(
      fetched,
      size,
      (r) => BREACH_CURSOR.encode([r.breach_id]),
      (r) => views.get(r.breach_id) as BreachImpactView,
      count,
    );
  }

  /** The world of the patients with requests, kept until the ledger grows (one size query per call). */
  private async worldOfPatients(patients: readonly string[]): Promise<LoadedWorld> {
    const [{ size }] = await rows<{ size: string }>(this.db, LEDGER_SIZE, []);
    const key = `${size}\u0000${[...patients].sort().join('\u0000')}`;
    if (this.cached?.key !== key) {
      this.cached = { key, loaded: await loadPatientsWorld(this.db, patients) };
    }
    return this.cached.loaded;
  }

  private cached?: { key: string; loaded: LoadedWorld };

  private requestView(
    row: RequestRow,
    loaded: LoadedWorld,
    asOf: Date,
    vendorScope: string | undefined,
    showsPseudonym: boolean,
  ): DeletionRequestView | null {
    const index = this.indexAt(loaded, asOf.getTime());
    let state: DeletionRequestState | null = evaluateDeletionRequest(requestFact(row), index);
    if (state !== null && vendorScope !== undefined) {
      state = deletionRequestForVendor(state, vendorScope);
    }
    if (state === null) return null;
    return {
      requestId: row.request_id,
      requestedAt: row.requested_at,
      dueBy: row.due_by,
      patientPseudonym: showsPseudonym ? row.patient : null,
      legalGround: row.legal_ground,
      status: state.status,
      obligations: state.obligations.map((o) => ({
        vendorId: o.vendorId,
        studyInstanceUid: o.studyInstanceUid,
        receivedAt: new Date(o.receivedAt),
        status: o.status,
        attestedAt: o.attestedAt === undefined ? null : new Date(o.attestedAt),
        attestationEventId: o.attestationEventId ?? null,
      })),
      ledgerSequence: Number(row.ledger_sequence),
      asOf,
    };
  }

  /** One index per (world, asOf): a list evaluates every request over the same one. */
  private indexAt(loaded: LoadedWorld, asOf: number): PatientRightsIndex {
    let byTime = this.indexes.get(loaded);
    if (byTime === undefined) {
      byTime = new Map();
      this.indexes.set(loaded, byTime);
    }
    let index = byTime.get(asOf);
    if (index === undefined) {
      index = new PatientRightsIndex(loaded.world, asOf);
      byTime.clear();
      byTime.set(asOf, index);
    }
    return index;
  }

  private readonly indexes = new WeakMap<LoadedWorld, Map<number, PatientRightsIndex>>();

  private async breachView(
    row: BreachRow,
    vendorScope: string | undefined,
  ): Promise<BreachImpactView> {
    const loaded = await loadVendorWorld(this.db, row.vendor_id);
    // Every event counts for a breach, whatever its time: no asOf.
    const index = new PatientRightsIndex(loaded.world);
    const impact = evaluateBreachImpact(breachFact(row), index);
    const originalOf = (uid: string): string => index.study(uid).originalStudyInstanceUid;
    const affected: BreachAffectedView[] = impact.affected.map((a) => ({
      studyInstanceUid: a.studyInstanceUid,
      patientPseudonym: vendorScope === undefined ? (a.patient ?? null) : null,
      accessionNumber:
        loaded.accessionNumbers.get(a.studyInstanceUid) ??
        loaded.accessionNumbers.get(originalOf(a.studyInstanceUid)) ??
        null,
      receivedAt: new Date(a.receivedAt),
      deidentified: a.deidentified,
      notificationRequired: a.notificationRequired,
    }));
    return {
      breachId: row.breach_id,
      vendorId: row.vendor_id,
      discoveredAt: row.discovered_at,
      exposureFrom: row.exposure_from,
      exposureTo: row.exposure_to,
      description: row.description,
      studiesAffected: impact.studiesAffected,
      patientsAffected: impact.patientsAffected,
      patientsToNotify: impact.patientsToNotify,
      individualNoticeDeadline: new Date(impact.individualNoticeDeadline),
      hhsNoticeDeadline: new Date(impact.hhsNoticeDeadline),
      mediaNoticeMayBeRequired: impact.mediaNoticeMayBeRequired,
      affected,
      ledgerSequence: Number(row.ledger_sequence),
    };
  }
}

/** The same answer whether the id exists or not, so that a vendor learns nothing of others. */
function forbidden(operation: string): AccessDeniedError {
  return new AccessDeniedError(
    `${operation}: a vendor token may only read what concerns its own vendor`,
  );
}
