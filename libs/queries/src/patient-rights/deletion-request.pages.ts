// What the deletion-request lists keep between calls: answers of a bounded size, each with the
// asOf values it holds for. The rules (CONTRACT v1.1 section 3.1) compare asOf only with
// event times (an event counts when `time <= asOf`) and due dates (overdue when
// `asOf > dueBy`), so every asOf on the same side of each of those instants gives the same
// answer: a kept answer serves any asOf in its window, `asOf = now` included. Nothing here
// holds the facts of more requests than one page or one chunk of a pass.
import {
  PatientRightsIndex,
  evaluateDeletionRequest,
  requestStatus,
  type DeletionRequestFact,
  type DeletionRequestState,
  type DeletionStatus,
  type PatientRightsWorld,
} from '@scantrail/compliance';
import { namedOnlyVendor } from '../vendor/vendor-read.service';
import { patientWorld } from './patient-world';
import type { VendorView } from '../views/read-views';
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

/**
 * The asOf values (milliseconds, from inclusive, to exclusive) that give the same answer as
 * the one it was computed at.
 */
export class AsOfWindow {
  static readonly ALWAYS = new AsOfWindow(-Infinity, Infinity);

  constructor(
    readonly from: number,
    readonly to: number,
  ) {}

  contains(asOf: number): boolean {
    return asOf >= this.from && asOf < this.to;
  }

  and(other: AsOfWindow): AsOfWindow {
    return new AsOfWindow(Math.max(this.from, other.from), Math.min(this.to, other.to));
  }

  /** Events count when `time <= asOf`: from the last event counted to the next one. */
  static ofEvents(times: Iterable<number>, asOf: number): AsOfWindow {
    let from = -Infinity;
    let to = Infinity;
    for (const t of times) {
      if (t <= asOf) from = Math.max(from, t);
      else to = Math.min(to, t);
    }
    return new AsOfWindow(from, to);
  }

  /** Due dates are passed when `asOf > dueBy`: just after the last one passed to just after the next. */
  static ofDueDates(times: Iterable<number>, asOf: number): AsOfWindow {
    let from = -Infinity;
    let to = Infinity;
    for (const t of times) {
      if (t < asOf) from = Math.max(from, t + 1);
      else to = Math.min(to, t + 1);
    }
    return new AsOfWindow(from, to);
  }
}

/** Every event time of a world: registrations, derivations, memberships, receipts, deletions, inspections. */
function* eventTimes(world: PatientRightsWorld): Generator<number> {
  for (const s of world.studies) {
    if (s.registeredAt !== undefined) yield s.registeredAt;
    if (s.derivedAt !== undefined) yield s.derivedAt;
  }
  for (const m of world.datasetMembers) yield m.addedAt;
  for (const list of [world.disclosures, world.transfers, world.deletions, world.inspections]) {
    for (const e of list) yield e.at;
  }
}

/**
 * These requests (all made by asOf) evaluated each over its own patient's part of the
 * world (patientWorld: the same answer whichever patients were loaded with it), and the
 * asOf values that give the same states: between the world's event times and the requests'
 * due dates. Which requests were made by asOf is the caller's to bound (their times).
 */
export function evaluateRequests(
  requests: readonly RequestRow[],
  world: PatientRightsWorld,
  asOf: number,
): { evaluated: EvaluatedRequest[]; window: AsOfWindow } {
  const indexes = new Map<string, PatientRightsIndex>();
  const evaluated: EvaluatedRequest[] = [];
  for (const row of requests) {
    let index = indexes.get(row.patient);
    if (index === undefined) {
      index = new PatientRightsIndex(patientWorld(world, row.patient).world, asOf);
      indexes.set(row.patient, index);
    }
    const state = evaluateDeletionRequest(requestFact(row), index);
    if (state !== null) evaluated.push({ row, state });
  }
  const window = AsOfWindow.ofEvents(eventTimes(world), asOf)
    .and(
      AsOfWindow.ofEvents(
        requests.map((r) => r.requested_at.getTime()),
        asOf,
      ),
    )
    .and(
      AsOfWindow.ofDueDates(
        requests.map((r) => r.due_by.getTime()),
        asOf,
      ),
    );
  return { evaluated, window };
}

/** One request of a tally: its list key, its status, and each obligated vendor's status over its own obligations. */
export interface TalliedRequest {
  at: number;
  requestId: string;
  /** Its due date (epoch milliseconds): the key of the list by due date. */
  due: number;
  status: DeletionStatus;
  vendors: ReadonlyMap<string, DeletionStatus>;
  /** Read from the kept obligations (rm_deletion_obligations), not evaluated. */
  kept?: true;
}

/**
 * A kept obligation's status as of asOf (CONTRACT v1.1 section 3.1), for a request whose
 * world was settled by asOf: FULFILLED from its earliest attestation at or after the
 * request, else EXEMPT for a properly de-identified derivative, else OVERDUE after the due
 * date, else OPEN.
 */
export function keptObligationStatus(
  fulfilledMs: number | null,
  exempt: boolean,
  dueMs: number,
  asOf: number,
): DeletionStatus {
  if (fulfilledMs !== null && fulfilledMs <= asOf) return 'FULFILLED';
  if (exempt) return 'EXEMPT';
  return asOf > dueMs ? 'OVERDUE' : 'OPEN';
}

/**
 * Every request made by an asOf, reduced to what filters a list (statuses overall and per
 * vendor) and counts obligations per vendor, in list order: a few dozen bytes a request,
 * where the requests' facts are read chunk by chunk and let go.
 */
export class RequestTally {
  private readonly requests: TalliedRequest[] = [];
  private readonly counts = new Map<string, VendorObligationCounts>();
  private readonly matches = new Map<string, TalliedRequest[]>();
  private window = AsOfWindow.ALWAYS;

  /** Adds the next requests in list order, evaluated as of an asOf this window holds for. */
  add(evaluated: readonly EvaluatedRequest[], window: AsOfWindow): void {
    this.window = this.window.and(window);
    for (const { row, state } of evaluated) {
      this.addStatuses(
        row.requested_at.getTime(),
        row.request_id,
        state.obligations,
        false,
        row.due_by.getTime(),
      );
    }
  }

  /**
   * Adds the next request in list order by its obligations' statuses (evaluated, or kept
   * and compared with asOf: keptObligationStatus); `kept` marks one read from the kept rows.
   */
  addStatuses(
    at: number,
    requestId: string,
    obligations: readonly { vendorId: string; status: DeletionStatus }[],
    kept = false,
    due = NaN,
  ): void {
    const byVendor = new Map<string, { vendorId: string; status: DeletionStatus }[]>();
    for (const o of obligations) {
      const own = byVendor.get(o.vendorId);
      if (own === undefined) byVendor.set(o.vendorId, [o]);
      else own.push(o);
      let tally = this.counts.get(o.vendorId);
      if (tally === undefined) {
        tally = {
          vendorId: o.vendorId,
          counts: { OPEN: 0, OVERDUE: 0, FULFILLED: 0, EXEMPT: 0 },
        };
        this.counts.set(o.vendorId, tally);
      }
      tally.counts[o.status]++;
    }
    const vendors = new Map<string, DeletionStatus>();
    for (const [vendorId, own] of byVendor) vendors.set(vendorId, requestStatus(own));
    const request: TalliedRequest = {
      at,
      requestId,
      due,
      status: requestStatus(obligations),
      vendors,
    };
    if (kept) request.kept = true;
    this.requests.push(request);
  }

  /** Narrows the asOf values the tally holds for. */
  holdOnlyFor(window: AsOfWindow): void {
    this.window = this.window.and(window);
  }

  /** The asOf values the tally holds for. */
  get holds(): AsOfWindow {
    return this.window;
  }

  /**
   * The requests with an obligation of `vendorId` (when given) in `status` (when given: that
   * vendor's status over its obligations, else the request's), in list order.
   */
  matching(vendorId: string | undefined, status: DeletionStatus | undefined): TalliedRequest[] {
    const key = `${vendorId ?? ''}\u0000${status ?? ''}`;
    let found = this.matches.get(key);
    if (found === undefined) {
      found = this.requests.filter((r) => {
        const shown = vendorId === undefined ? r.status : r.vendors.get(vendorId);
        return shown !== undefined && (status === undefined || shown === status);
      });
      this.matches.set(key, found);
    }
    return found;
  }

  /**
   * The requests with an obligation of `vendorId` (when given) whose status (as matching
   * says) is one of `statuses`, by due date, ties by request id in code-point order (the
   * database's COLLATE "C", DUE_PAGE).
   */
  matchingByDue(
    vendorId: string | undefined,
    statuses: readonly DeletionStatus[],
  ): TalliedRequest[] {
    return statuses
      .flatMap((s) => this.matching(vendorId, s))
      .sort((a, b) => a.due - b.due || compareCodePoints(a.requestId, b.requestId));
  }

  /** Obligations per vendor by status; most overdue first, then most open. */
  obligationCounts(): VendorObligationCounts[] {
    return sortObligationCounts([...this.counts.values()]);
  }
}

/** Strings in code-point order (UTF-8 bytes: PostgreSQL's COLLATE "C"), not UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Obligations per vendor, most overdue first, then most open, then by vendor id. */
export function sortObligationCounts(lines: VendorObligationCounts[]): VendorObligationCounts[] {
  return lines.sort(
    (a, b) =>
      b.counts.OVERDUE - a.counts.OVERDUE ||
      b.counts.OPEN - a.counts.OPEN ||
      (a.vendorId < b.vendorId ? -1 : a.vendorId > b.vendorId ? 1 : 0),
  );
}

/**
 * The list nodes of these requests, each obligation with its holder (read once per call;
 * a vendor only named by events shows by its id, CONTRACT v1.1).
 */
export async function listNodes(
  entries: readonly EvaluatedRequest[],
  showsPseudonym: boolean,
  lookup: VendorLookup,
): Promise<DeletionRequestNode[]> {
  const ids = new Set<string>();
  for (const { state } of entries) for (const o of state.obligations) ids.add(o.vendorId);
  const found = ids.size === 0 ? new Map<string, VendorView>() : await lookup([...ids]);
  const vendors = new Map<string, VendorView>();
  for (const id of ids) vendors.set(id, found.get(id) ?? namedOnlyVendor(id));
  return entries.map((e) => {
    const { obligations, ...fields } = requestFields(e, showsPseudonym);
    return {
      ...fields,
      obligations: obligations.map((o) => ({
        ...o,
        vendor: vendors.get(o.vendorId) as VendorView,
      })),
    };
  });
}

/**
 * Answers kept per ledger size, each with the asOf values it holds for: a few per key, the
 * least recently used key out first. Concurrent callers of one key and asOf share one
 * computation; a failed one is not kept.
 */
export class KeptAnswers<T> {
  private ledgerSize?: string;
  private readonly byKey = new Map<string, Promise<{ value: T; holds: AsOfWindow }>[]>();

  constructor(
    private readonly maxKeys: number,
    private readonly perKey: number,
  ) {}

  async get(
    ledgerSize: string,
    key: string,
    asOf: number,
    compute: () => Promise<{ value: T; holds: AsOfWindow }>,
  ): Promise<T> {
    if (this.ledgerSize !== ledgerSize) {
      this.ledgerSize = ledgerSize;
      this.byKey.clear();
    }
    const kept = this.byKey.get(key) ?? [];
    for (const pending of kept) {
      const answer = await pending.catch(() => undefined);
      if (answer?.holds.contains(asOf)) return answer.value;
    }
    const pending = compute();
    if (this.ledgerSize === ledgerSize) {
      // Most recently used last; at most perKey windows per key.
      const list = [...(this.byKey.get(key) ?? []), pending].slice(-this.perKey);
      this.byKey.delete(key);
      this.byKey.set(key, list);
      if (this.byKey.size > this.maxKeys)
        this.byKey.delete(this.byKey.keys().next().value as string);
      pending.catch(() => {
        const now = this.byKey.get(key);
        if (now !== undefined)
          this.byKey.set(
            key,
            now.filter((p) => p !== pending),
          );
      });
    }
    return (await pending).value;
  }
}
