// Every deletion request evaluated as of a time, kept while the ledger does not grow. A list
// page, a status filter or the per-vendor counts then cost one size query instead of loading
// and evaluating every request again. The rules (CONTRACT v1.1 section 3.1) compare asOf only
// with event times (an event counts when `time <= asOf`) and due dates (overdue when
// `asOf > dueBy`), so two times with the same events and due dates on each side give the same
// answers: evaluations are kept per such interval, and `asOf = now` is served from it too.
import {
  PatientRightsIndex,
  deletionRequestForVendor,
  evaluateDeletionRequest,
  type DeletionRequestFact,
  type DeletionRequestState,
  type DeletionStatus,
} from '@scantrail/compliance';
import { namedOnlyVendor } from '../vendor/vendor-read.service';
import type { VendorView } from '../views/read-views';
import type { LoadedWorld } from './patient-rights-facts.loader';
import type {
  DeletionObligationView,
  DeletionRequestNode,
  DeletionRequestView,
} from './patient-rights.views';

export interface RequestRow {
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

export function requestFact(r: RequestRow): DeletionRequestFact {
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

/** A request and its state as one reader sees it (a vendor: only its own obligations). */
export interface EvaluatedRequest {
  row: RequestRow;
  state: DeletionRequestState;
}

/** The obligations of a request's state as the API, reports and CLI show them. */
export function obligationViews(state: DeletionRequestState): DeletionObligationView[] {
  return state.obligations.map((o) => ({
    vendorId: o.vendorId,
    studyInstanceUid: o.studyInstanceUid,
    receivedAt: new Date(o.receivedAt),
    status: o.status,
    attestedAt: o.attestedAt === undefined ? null : new Date(o.attestedAt),
    attestationEventId: o.attestationEventId ?? null,
  }));
}

/** A request as the API, reports and CLI show it, as of the time it was evaluated at. */
export function deletionRequestView(
  e: EvaluatedRequest,
  asOf: Date,
  showsPseudonym: boolean,
): DeletionRequestView {
  return { ...requestFields(e, showsPseudonym), asOf };
}

/** A request's fields, whatever asOf it was evaluated at (the list shows no asOf). */
function requestFields(
  { row, state }: EvaluatedRequest,
  showsPseudonym: boolean,
): Omit<DeletionRequestView, 'asOf'> {
  return {
    requestId: row.request_id,
    requestedAt: row.requested_at,
    dueBy: row.due_by,
    patientPseudonym: showsPseudonym ? row.patient : null,
    legalGround: row.legal_ground,
    status: state.status,
    obligations: obligationViews(state),
    ledgerSequence: Number(row.ledger_sequence),
  };
}

/** Vendors by id (missing: an id no event names). */
export type VendorLookup = (vendorIds: readonly string[]) => Promise<Map<string, VendorView>>;

/** Obligations of one vendor by status, over every request made by asOf. */
export interface VendorObligationCounts {
  vendorId: string;
  counts: Record<DeletionStatus, number>;
}

/** Evaluations kept per snapshot: asOf intervals times readers stay few in practice. */
const MAX_KEPT = 64;

export class DeletionRequestSnapshot {
  private readonly eventTimes: Float64Array;
  private readonly dueTimes: Float64Array;
  private readonly kept = new Map<string, EvaluatedRequest[]>();
  private readonly counted = new Map<string, VendorObligationCounts[]>();
  /** The holders named by listed obligations, read once per snapshot. */
  private readonly vendors = new Map<string, VendorView>();
  /** List nodes built once per evaluated request: with the pseudonym, and without. */
  private readonly nodes = [
    new WeakMap<EvaluatedRequest, DeletionRequestNode>(),
    new WeakMap<EvaluatedRequest, DeletionRequestNode>(),
  ] as const;

  /**
   * @param ledgerSize what the snapshot was read at
   * @param requests every request, in list order (requested at, request id)
   * @param loaded the world of every requesting patient
   */
  constructor(
    readonly ledgerSize: string,
    private readonly requests: readonly RequestRow[],
    private readonly loaded: LoadedWorld,
  ) {
    const { world } = loaded;
    const times: number[] = requests.map((r) => r.requested_at.getTime());
    for (const s of world.studies) {
      if (s.registeredAt !== undefined) times.push(s.registeredAt);
      if (s.derivedAt !== undefined) times.push(s.derivedAt);
    }
    for (const list of [
      world.datasetMembers.map((m) => m.addedAt),
      world.disclosures.map((d) => d.at),
      world.transfers.map((t) => t.at),
      world.deletions.map((d) => d.at),
      world.inspections.map((i) => i.at),
    ]) {
      for (const at of list) times.push(at);
    }
    this.eventTimes = Float64Array.from(times).sort();
    this.dueTimes = Float64Array.from(requests.map((r) => r.due_by.getTime())).sort();
  }

  /**
   * Requests made by asOf with their state as of asOf, in list order; with `vendorId`, only
   * those with an obligation of that vendor, showing only its obligations; with `status`,
   * only those in that status.
   */
  evaluated(
    asOf: number,
    vendorId: string | undefined,
    status?: DeletionStatus,
  ): EvaluatedRequest[] {
    const key = `${this.intervalOf(asOf)}\u0000${vendorId ?? ''}\u0000${status ?? ''}`;
    let found = this.kept.get(key);
    if (found === undefined) {
      if (status !== undefined) {
        found = this.evaluated(asOf, vendorId).filter((e) => e.state.status === status);
      } else if (vendorId === undefined) {
        const index = new PatientRightsIndex(this.loaded.world, asOf);
        found = [];
        for (const row of this.requests) {
          const state = evaluateDeletionRequest(requestFact(row), index);
          if (state !== null) found.push({ row, state });
        }
      } else {
        found = [];
        for (const { row, state } of this.evaluated(asOf, undefined)) {
          const own = deletionRequestForVendor(state, vendorId);
          if (own !== null) found.push({ row, state: own });
        }
      }
      this.keep(this.kept, key, found);
    }
    return found;
  }

  /**
   * The list nodes of these requests (built once each, with their holders' details read once
   * per snapshot): the same ledger size names the same vendors with the same details.
   */
  async listNodes(
    entries: readonly EvaluatedRequest[],
    showsPseudonym: boolean,
    lookup: VendorLookup,
  ): Promise<DeletionRequestNode[]> {
    const missing = new Set<string>();
    for (const { state } of entries) {
      for (const o of state.obligations) {
        if (!this.vendors.has(o.vendorId)) missing.add(o.vendorId);
      }
    }
    if (missing.size > 0) {
      const found = await lookup([...missing]);
      for (const id of missing) {
        // A vendor only named by events still shows (CONTRACT v1.1: its id as name, role OTHER).
        this.vendors.set(id, found.get(id) ?? namedOnlyVendor(id));
      }
    }
    const kept = this.nodes[showsPseudonym ? 0 : 1];
    return entries.map((e) => {
      let node = kept.get(e);
      if (node === undefined) {
        const { obligations, ...fields } = requestFields(e, showsPseudonym);
        node = {
          ...fields,
          obligations: obligations.map((o) => ({
            ...o,
            vendor: this.vendors.get(o.vendorId) as VendorView,
          })),
        };
        kept.set(e, node);
      }
      return node;
    });
  }

  /** Obligations per vendor by status as of asOf; most overdue first, then most open. */
  obligationCounts(asOf: number): VendorObligationCounts[] {
    const key = String(this.intervalOf(asOf));
    let found = this.counted.get(key);
    if (found === undefined) {
      const byVendor = new Map<string, VendorObligationCounts>();
      for (const { state } of this.evaluated(asOf, undefined)) {
        for (const o of state.obligations) {
          let tally = byVendor.get(o.vendorId);
          if (tally === undefined) {
            tally = {
              vendorId: o.vendorId,
              counts: { OPEN: 0, OVERDUE: 0, FULFILLED: 0, EXEMPT: 0 },
            };
            byVendor.set(o.vendorId, tally);
          }
          tally.counts[o.status]++;
        }
      }
      found = [...byVendor.values()].sort(
        (a, b) =>
          b.counts.OVERDUE - a.counts.OVERDUE ||
          b.counts.OPEN - a.counts.OPEN ||
          (a.vendorId < b.vendorId ? -1 : a.vendorId > b.vendorId ? 1 : 0),
      );
      this.keep(this.counted, key, found);
    }
    return found;
  }

  /** Which interval between event times and due dates asOf falls in. */
  private intervalOf(asOf: number): string {
    // Events at or before asOf count; due dates strictly before asOf are passed.
    return `${upperBound(this.eventTimes, asOf)}:${lowerBound(this.dueTimes, asOf)}`;
  }

  private keep<T>(map: Map<string, T>, key: string, value: T): void {
    if (map.size >= MAX_KEPT) map.delete(map.keys().next().value as string);
    map.set(key, value);
  }
}

/** How many values are <= x (sorted ascending). */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many values are < x (sorted ascending). */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
