import { AccessDeniedError, type AccessLogService, type Viewer } from '@scantrail/access';
import {
  DELETION_STATUSES,
  PatientRightsIndex,
  deletionRequestForVendor,
  notificationDeadlines,
  evaluateDeletionRequest,
  requestStatus,
  type BreachFact,
  type DeletionObligation,
  type DeletionRequestState,
  type DeletionStatus,
  type TargetRef,
} from '@scantrail/compliance';
import { CursorCodec } from '../paging/cursor-codec';
import { pageOf, pageSize, toPage, type Edge, type Page, type PageArgs } from '../paging/page';
import { FreshRead } from '../sql/fresh-read';
import { rows, type Queryable } from '../sql/queryable';
import { InvalidArgumentError } from '../errors/read-errors';
import { loadPatientsWorld, type LoadedWorld } from './patient-rights-facts.loader';
import {
  BREACHES_COUNT,
  BREACHES_PAGE,
  BREACH_AFFECTED_PAGE,
  BREACH_BY_ID,
  LEDGER_SIZE,
  REQUEST_BY_ID,
} from './patient-rights.sql';
import { vendorsById } from '../vendor/vendor-read.service';
import {
  AsOfWindow,
  KeptAnswers,
  compareCodePoints,
  RequestTally,
  deletionRequestView,
  evaluateRequests,
  keptObligationStatus,
  listNodes,
  sortObligationCounts,
  requestFact,
  type EvaluatedRequest,
  type RequestRow,
  type VendorObligationCounts,
} from './deletion-request.pages';
import {
  DUE_PAGE,
  KEPT_AS_OF,
  KEPT_OBLIGATIONS,
  IDS_AFTER_IN_LIST_ORDER,
  KEPT_TALLY,
  REQUESTS_BY_IDS,
  REQUESTS_MADE_BY,
  REQUESTS_NEVER_KEPT,
  REQUESTS_PAGE,
  STATUS_PAGE,
  VENDOR_COUNTS_AS_OF,
  VENDOR_PAGE,
} from './deletion-requests.sql';
import type {
  BreachAffectedView,
  BreachImpactView,
  DeletionRequestNode,
  DeletionRequestView,
} from './patient-rights.views';

/** One study the breached vendor held in the window (BREACH_AFFECTED_PAGE). */
interface AffectedRow {
  study_uid: string;
  received_at: Date;
  patient: string | null;
  accession_number: string | null;
  deidentified: boolean;
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
  /** The breach report rm_breach_counts was computed for (null: none yet). */
  counted_sequence: string | null;
  studies: number | null;
  patients: number | null;
  to_notify: number | null;
  deidentified: number | null;
}

export interface DeletionRequestsArgs extends PageArgs {
  status?: DeletionStatus | null;
  asOf?: Date | null;
  /**
   * Only requests with an obligation of this vendor, showing only its obligations and a
   * status over them (what the vendor itself sees); a vendor token may name only itself.
   */
  vendorId?: string | null;
  /**
   * REQUESTED_AT (default): every request in the order made. DUE_DATE: only the open and
   * overdue ones (status narrows to one of them), by due date, ties by request id in
   * code-point order; its own cursors.
   */
  orderBy?: DeletionRequestOrder | null;
}

export const DELETION_REQUEST_ORDERS = ['REQUESTED_AT', 'DUE_DATE'] as const;
export type DeletionRequestOrder = (typeof DELETION_REQUEST_ORDERS)[number];
/** The statuses a list by due date holds: what a vendor still has to delete. */
const DUE_STATUSES: readonly DeletionStatus[] = ['OVERDUE', 'OPEN'];

/** Rows per statement when every affected study is read (the worklist). */
const AFFECTED_CHUNK = 10_000;

const REQUEST_CURSOR = new CursorCodec('deletionRequests', ['instant', 'string'] as const);
/** Cursors of the list by due date: (due date, request id). */
const DUE_CURSOR = new CursorCodec('deletionRequestsByDue', ['instant', 'string'] as const);

/** Requests evaluated per statement when every request is tallied. */
const TALLY_CHUNK = 500;

/** A request made by asOf and one of its kept obligations (KEPT_TALLY). */
interface KeptTallyRow {
  request_id: string;
  requested_ms: number;
  due_ms: number;
  settled_ms: number | null;
  /** Kept for its ledger sequence and settled by asOf: its statuses come from the rows. */
  kept: boolean;
  /** Null: no obligation (or not kept). */
  vendor_id: string | null;
  fulfilled_ms: number | null;
  exempt: boolean | null;
}

/** One kept obligation (KEPT_OBLIGATIONS). */
interface KeptObligationRow {
  request_id: string;
  vendor_id: string;
  study_uid: string;
  received_at: Date;
  fulfilled_at: Date | null;
  attestation_event_id: string | null;
  exempt: boolean;
}

/** KEPT_AS_OF's answer (times in epoch milliseconds). */
interface KeptAsOfRow {
  /** A request waits for its first evaluation (rm_deletion_unkept). */
  unkept: boolean;
  /** A request made by asOf has a world that moved after asOf. */
  unsettled: boolean;
  made_before: number | null;
  made_after: number | null;
  settled_before: number | null;
  settled_after: number | null;
  due_before: number | null;
  due_after: number | null;
  fulfilled_before: number | null;
  fulfilled_after: number | null;
}

/** One vendor's obligations in one status as of asOf (VENDOR_COUNTS_AS_OF). */
interface VendorStatusRow {
  vendor_id: string;
  status: DeletionStatus;
  obligations: number;
}

/** A filtered page's request (null: none) and how many match in all (STATUS_PAGE, VENDOR_PAGE). */
interface FilteredRow {
  request_id: string | null;
  total: number;
}

/**
 * The asOf values with the same kept answer: on the same side of every request time,
 * settlement and attestation (counted when at or before asOf) and of every due date
 * (passed when before).
 */
function keptWindow(state: KeptAsOfRow): AsOfWindow {
  const events = new AsOfWindow(
    Math.max(
      state.made_before ?? -Infinity,
      state.settled_before ?? -Infinity,
      state.fulfilled_before ?? -Infinity,
    ),
    Math.min(
      state.made_after ?? Infinity,
      state.settled_after ?? Infinity,
      state.fulfilled_after ?? Infinity,
    ),
  );
  const due = new AsOfWindow(
    state.due_before === null ? -Infinity : state.due_before + 1,
    state.due_after === null ? Infinity : state.due_after + 1,
  );
  return events.and(due);
}

/** REQUESTS_MADE_BY's answer. */
interface MadeRow {
  made: number;
  last_made: Date | null;
  next_made: Date | null;
}

/** The asOf values that see the same requests made (by their times). */
function madeWindow(made: MadeRow): AsOfWindow {
  return new AsOfWindow(
    made.last_made?.getTime() ?? -Infinity,
    made.next_made?.getTime() ?? Infinity,
  );
}

function requestCursor({ row }: EvaluatedRequest): string {
  return REQUEST_CURSOR.encode([row.requested_at.getTime(), row.request_id]);
}

function dueCursor({ row }: EvaluatedRequest): string {
  return DUE_CURSOR.encode([row.due_by.getTime(), row.request_id]);
}
const BREACH_CURSOR = new CursorCodec('breaches', ['string'] as const);
const AFFECTED_CURSOR = new CursorCodec('affected', ['string'] as const);

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
 * answers depend on `asOf`, so they are not stored; a breach's impact is kept by the
 * projection (rm_breach_counts, rm_breach_affected). A vendor reads only requests with an
 * obligation of its own (only those obligations, no pseudonym) and breaches of itself;
 * naming another by id is FORBIDDEN. `deletionRequest` names a patient: it is recorded in
 * the access log before it is answered.
 */
/** What a filtered page of deletion requests asks (filteredPage, talliedPage). */
type FilteredList = {
  scope: string | undefined;
  status: DeletionStatus | undefined;
  after: readonly [number, string] | undefined;
  size: number;
  showsPseudonym: boolean;
  /** By due date (DUE_PAGE): the open and overdue requests only. */
  byDue: boolean;
};

export class PatientRightsReadService {
  /** What the kept answers are checked against: one read shared by concurrent callers. */
  private readonly ledgerSize: FreshRead<string>;

  constructor(
    private readonly db: Queryable,
    private readonly accessLog: AccessLogService,
  ) {
    this.ledgerSize = new FreshRead(
      async () => (await rows<{ size: string }>(db, LEDGER_SIZE, []))[0].size,
    );
  }

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

  /**
   * A page of requests, each with its obligations and their holders. Only the page's requests
   * and their patients' facts are read: the whole list by a keyset range of
   * rm_deletion_requests; a status or vendor filter from the tally of every request
   * (requestTally). Pages are kept per ledger size with the asOf values they hold for
   * (KeptAnswers): a call on an unchanged ledger costs one size query.
   */
  async deletionRequests(
    viewer: Viewer,
    args: DeletionRequestsArgs,
  ): Promise<Page<DeletionRequestNode>> {
    const size = pageSize(args.first);
    if (
      args.status !== null &&
      args.status !== undefined &&
      !DELETION_STATUSES.includes(args.status)
    ) {
      throw new InvalidArgumentError(`status must be one of ${DELETION_STATUSES.join(', ')}`);
    }
    const order = args.orderBy ?? 'REQUESTED_AT';
    if (!DELETION_REQUEST_ORDERS.includes(order)) {
      throw new InvalidArgumentError(
        `orderBy must be one of ${DELETION_REQUEST_ORDERS.join(', ')}`,
      );
    }
    const byDue = order === 'DUE_DATE';
    if (byDue && args.status && !DUE_STATUSES.includes(args.status)) {
      throw new InvalidArgumentError('orderBy DUE_DATE lists only OPEN and OVERDUE requests');
    }
    const after =
      args.after === null || args.after === undefined
        ? undefined
        : (byDue ? DUE_CURSOR : REQUEST_CURSOR).decode(args.after);
    const own = viewer.vendorScope;
    const named = args.vendorId ?? undefined;
    if (own !== undefined && named !== undefined && named !== own) {
      throw forbidden('deletionRequests');
    }
    const at = (args.asOf ?? new Date()).getTime();
    const scope = own ?? named;
    const status = args.status ?? undefined;
    const showsPseudonym = own === undefined;
    const ledgerSize = await this.ledgerSize.get();
    const key = JSON.stringify([scope, status, after, size, showsPseudonym, order]);
    return this.pages.get(ledgerSize, key, at, () =>
      scope === undefined && status === undefined && !byDue
        ? this.listPage(at, after, size, showsPseudonym)
        : this.filteredPage(ledgerSize, at, { scope, status, after, size, showsPseudonym, byDue }),
    );
  }

  /**
   * Open, overdue, fulfilled and exempt obligations per vendor over every request made by
   * asOf (default: now), most overdue first; a vendor token reads only its own line.
   */
  async obligationsByVendor(
    viewer: Viewer,
    asOf: Date | null | undefined,
  ): Promise<VendorObligationCounts[]> {
    const at = (asOf ?? new Date()).getTime();
    const ledgerSize = await this.ledgerSize.get();
    const all = await this.vendorCounts.get(ledgerSize, '', at, async () => {
      const state = await this.keptAsOf(at);
      if (state.unkept || state.unsettled) {
        const tally = await this.requestTally(ledgerSize, at);
        return { value: tally.obligationCounts(), holds: tally.holds };
      }
      const counted = await rows<VendorStatusRow>(this.db, VENDOR_COUNTS_AS_OF, [new Date(at)]);
      const lines = new Map<string, VendorObligationCounts>();
      for (const c of counted) {
        if (c.obligations === 0) continue;
        let line = lines.get(c.vendor_id);
        if (line === undefined) {
          line = {
            vendorId: c.vendor_id,
            counts: { OPEN: 0, OVERDUE: 0, FULFILLED: 0, EXEMPT: 0 },
          };
          lines.set(c.vendor_id, line);
        }
        line.counts[c.status] = c.obligations;
      }
      return { value: sortObligationCounts([...lines.values()]), holds: keptWindow(state) };
    });
    const own = viewer.vendorScope;
    return own === undefined ? all : all.filter((c) => c.vendorId === own);
  }

  /**
   * How many deletion requests wait for their first evaluation into kept obligations (a
   * ledger recorded before they were kept, until `cli keep-obligations`): meanwhile the
   * filtered lists and the counts per vendor evaluate every request when asked.
   */
  async requestsNeverKept(): Promise<number> {
    return (await rows<{ n: number }>(this.db, REQUESTS_NEVER_KEPT, []))[0].n;
  }

  async breachImpact(viewer: Viewer, breachId: string): Promise<BreachImpactView | null> {
    const [row] = await rows<BreachRow>(this.db, BREACH_BY_ID, [breachId]);
    const scope = viewer.vendorScope;
    if (scope !== undefined && (row === undefined || row.vendor_id !== scope)) {
      throw forbidden('breachImpact');
    }
    if (row === undefined) return null;
    return this.breachView(row);
  }

  /** A page of breaches, each evaluated (see breachPage). */
  async breaches(viewer: Viewer, args: PageArgs): Promise<Page<BreachImpactView>> {
    const page = await this.breachPage(viewer, args);
    const edges: Edge<BreachImpactView>[] = [];
    for (const e of page.edges) edges.push({ cursor: e.cursor, node: await e.node() });
    return {
      edges,
      pageInfo: page.pageInfo,
      get totalCount(): number | Promise<number> {
        return page.totalCount;
      },
    };
  }

  /**
   * A page of breaches whose nodes are evaluated only when asked (once each): a list read
   * for its count, its cursors or its pageInfo reads no holdings, and one node costs what
   * one breachImpact costs. The API's query cost weighs each node asked.
   */
  async breachPage(viewer: Viewer, args: PageArgs): Promise<Page<() => Promise<BreachImpactView>>> {
    const size = pageSize(args.first);
    const after =
      args.after === null || args.after === undefined ? null : BREACH_CURSOR.decode(args.after)[0];
    const scope = viewer.vendorScope ?? null;
    const fetched = await rows<BreachRow>(this.db, BREACHES_PAGE, [scope, after, size + 1]);
    const count = async (): Promise<number> =>
      (await rows<{ n: number }>(this.db, BREACHES_COUNT, [scope]))[0].n;
    return toPage(
      fetched,
      size,
      (r) => BREACH_CURSOR.encode([r.breach_id]),
      (r) => {
        let view: Promise<BreachImpactView> | undefined;
        return () => (view ??= Promise.resolve().then(() => this.breachView(r)));
      },
      count,
    );
  }

  /** List pages: 64 filters and cursors, two asOf windows each (a few MB at most). */
  private readonly pages = new KeptAnswers<Page<DeletionRequestNode>>(64, 2);
  /** Obligations per vendor counted from the kept rows: two asOf windows. */
  private readonly vendorCounts = new KeptAnswers<VendorObligationCounts[]>(1, 2);
  /** Tallies of every request: two asOf windows (a few dozen bytes per request each). */
  private readonly tallies = new KeptAnswers<RequestTally>(1, 2);

  /** A page of every request made by asOf, read by its keyset range. */
  private async listPage(
    asOf: number,
    after: readonly [number, string] | undefined,
    size: number,
    showsPseudonym: boolean,
  ): Promise<{ value: Page<DeletionRequestNode>; holds: AsOfWindow }> {
    const at = new Date(asOf);
    const [[made], fetched] = await Promise.all([
      rows<MadeRow>(this.db, REQUESTS_MADE_BY, [at]),
      rows<RequestRow>(this.db, REQUESTS_PAGE, [
        at,
        after === undefined ? '-infinity' : new Date(after[0]),
        after?.[1] ?? '',
        size + 1,
      ]),
    ]);
    const { evaluated, window } = await this.evaluate(fetched.slice(0, size), asOf);
    const edges = await this.edgesOf(evaluated, undefined, showsPseudonym);
    return {
      value: pageOf(edges, fetched.length > size, made.made),
      holds: window.and(madeWindow(made)),
    };
  }

  /**
   * Whether the kept rows answer as of asOf (every request made by then kept and settled),
   * and the asOf values their answer holds for (KEPT_AS_OF).
   */
  private async keptAsOf(asOf: number): Promise<KeptAsOfRow> {
    return (await rows<KeptAsOfRow>(this.db, KEPT_AS_OF, [new Date(asOf)]))[0];
  }

  /** The requests `ids` (REQUESTS_BY_IDS), in the order of `ids`. */
  private async requestsByIds(ids: readonly string[]): Promise<RequestRow[]> {
    if (ids.length === 0) return [];
    const found = await rows<RequestRow>(this.db, REQUESTS_BY_IDS, [[...ids]]);
    const byId = new Map(found.map((r) => [r.request_id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** A page's edges: each request as the vendor `scope` sees it (none: whole), with its cursor. */
  private async edgesOf(
    evaluated: readonly EvaluatedRequest[],
    scope: string | undefined,
    showsPseudonym: boolean,
    byDue = false,
  ): Promise<{ cursor: string; node: DeletionRequestNode }[]> {
    const own =
      scope === undefined
        ? [...evaluated]
        : evaluated.flatMap(({ row, state }) => {
            const mine = deletionRequestForVendor(state, scope);
            return mine === null ? [] : [{ row, state: mine }];
          });
    const nodes = await listNodes(own, showsPseudonym, (v) => vendorsById(this.db, v));
    return own.map((e, i) => ({
      cursor: byDue ? dueCursor(e) : requestCursor(e),
      node: nodes[i],
    }));
  }

  /**
   * A page of the requests a status or vendor filter keeps: a keyset page of their eventual
   * statuses and of the few whose status as of asOf may differ, compared with asOf by
   * PostgreSQL (STATUS_PAGE, VENDOR_PAGE); only the page's requests are read in full. From
   * the tally when a request made by asOf is not kept or not settled by then.
   */
  private async filteredPage(
    ledgerSize: string,
    asOf: number,
    list: FilteredList,
  ): Promise<{ value: Page<DeletionRequestNode>; holds: AsOfWindow }> {
    const state = await this.keptAsOf(asOf);
    if (state.unkept || state.unsettled) return this.talliedPage(ledgerSize, asOf, list);
    const { scope, status, after, size } = list;
    const at = new Date(asOf);
    const from = after === undefined ? ['-infinity', ''] : [new Date(after[0]), after[1]];
    const found = list.byDue
      ? await rows<FilteredRow>(this.db, DUE_PAGE, [
          at,
          scope ?? '',
          status === undefined ? [...DUE_STATUSES] : [status],
          ...from,
          size + 1,
        ])
      : status === undefined
        ? await rows<FilteredRow>(this.db, VENDOR_PAGE, [at, scope, ...from, size + 1])
        : await rows<FilteredRow>(this.db, STATUS_PAGE, [
            at,
            scope ?? '',
            status,
            ...from,
            size + 1,
          ]);
    const ids = found.flatMap((r) => (r.request_id === null ? [] : [r.request_id]));
    const shown = await this.requestsByIds(ids.slice(0, size));
    const evaluated = await this.keptStates(shown, asOf);
    const edges = await this.edgesOf(evaluated, scope, list.showsPseudonym, list.byDue);
    return {
      value: pageOf(edges, ids.length > size, found[0].total),
      holds: keptWindow(state),
    };
  }

  /**
   * Where the page after the cursor (`after`: request time, request id) starts in `matching`,
   * which is in the database's list order (KEPT_TALLY: time, then id in the column's
   * collation). Ids of requests made in the same millisecond as the cursor's are compared by
   * the database too, as the SQL pages compare them: JavaScript's `>` orders by UTF-16 code
   * units, which no collation does (an astral character before U+E000-U+FFFF) and which
   * en_US and other linguistic collations contradict on letter case, so a page started there
   * skipped requests (session 26).
   */
  private async startAfter(
    matching: readonly { at: number; requestId: string }[],
    after: readonly [number, string],
  ): Promise<number> {
    const tied = matching.filter((r) => r.at === after[0]).map((r) => r.requestId);
    const later =
      tied.length === 0
        ? new Set<string>()
        : new Set(
            (await rows<{ id: string }>(this.db, IDS_AFTER_IN_LIST_ORDER, [tied, after[1]])).map(
              (r) => r.id,
            ),
          );
    return matching.findIndex(
      (r) => r.at > after[0] || (r.at === after[0] && later.has(r.requestId)),
    );
  }

  /** A page of the requests a status or vendor filter keeps, found in the tally. */
  private async talliedPage(
    ledgerSize: string,
    asOf: number,
    list: FilteredList,
  ): Promise<{ value: Page<DeletionRequestNode>; holds: AsOfWindow }> {
    const { scope, after, size } = list;
    const tally = await this.requestTally(ledgerSize, asOf);
    const matching = list.byDue
      ? tally.matchingByDue(scope, list.status === undefined ? DUE_STATUSES : [list.status])
      : tally.matching(scope, list.status);
    const start =
      after === undefined
        ? 0
        : list.byDue
          ? matching.findIndex(
              (r) =>
                r.due > after[0] ||
                (r.due === after[0] && compareCodePoints(r.requestId, after[1]) > 0),
            )
          : await this.startAfter(matching, after);
    const rest = start < 0 ? [] : matching.slice(start, start + size + 1);
    const shown = await this.requestsByIds(rest.slice(0, size).map((r) => r.requestId));
    const keptIds = new Set(rest.flatMap((r) => (r.kept ? [r.requestId] : [])));
    const [kept, { evaluated: fresh, window }] = await Promise.all([
      this.keptStates(
        shown.filter((r) => keptIds.has(r.request_id)),
        asOf,
      ),
      this.evaluate(
        shown.filter((r) => !keptIds.has(r.request_id)),
        asOf,
      ),
    ]);
    const states = new Map([...kept, ...fresh].map((e) => [e.row.request_id, e]));
    const evaluated = shown.flatMap((r) => states.get(r.request_id) ?? []);
    const edges = await this.edgesOf(evaluated, scope, list.showsPseudonym, list.byDue);
    return {
      value: pageOf(edges, rest.length > size, matching.length),
      holds: window.and(tally.holds),
    };
  }

  /**
   * Every request made by asOf reduced to its statuses (RequestTally). A request whose
   * obligations are kept for its ledger sequence and whose world was settled by asOf is
   * read from the kept rows (KEPT_TALLY, statuses compared with asOf here); the others are
   * read and evaluated as before, TALLY_CHUNK requests at a time. Holds for the asOf
   * values on the same side of every request time, settlement, attestation and due date.
   */
  private requestTally(ledgerSize: string, asOf: number): Promise<RequestTally> {
    return this.tallies.get(ledgerSize, '', asOf, async () => {
      const at = new Date(asOf);
      const tally = new RequestTally();
      const [[made], listed] = await Promise.all([
        rows<MadeRow>(this.db, REQUESTS_MADE_BY, [at]),
        rows<KeptTallyRow>(this.db, KEPT_TALLY, [at]),
      ]);
      tally.holdOnlyFor(madeWindow(made));
      const evaluated = new Map<string, EvaluatedRequest>();
      const unkept = [...new Set(listed.filter((r) => !r.kept).map((r) => r.request_id))];
      for (let i = 0; i < unkept.length; i += TALLY_CHUNK) {
        const chunk = await rows<RequestRow>(this.db, REQUESTS_BY_IDS, [
          unkept.slice(i, i + TALLY_CHUNK),
        ]);
        const { evaluated: states, window } = await this.evaluate(chunk, asOf);
        tally.holdOnlyFor(window);
        for (const e of states) evaluated.set(e.row.request_id, e);
      }
      const settled: number[] = [];
      const fulfilled: number[] = [];
      const due: number[] = [];
      for (let i = 0; i < listed.length;) {
        const r = listed[i];
        const obligations: { vendorId: string; status: DeletionStatus }[] = [];
        for (; i < listed.length && listed[i].request_id === r.request_id; i++) {
          const o = listed[i];
          if (o.vendor_id === null) continue;
          if (o.fulfilled_ms !== null) fulfilled.push(o.fulfilled_ms);
          obligations.push({
            vendorId: o.vendor_id,
            status: keptObligationStatus(o.fulfilled_ms, o.exempt ?? false, r.due_ms, asOf),
          });
        }
        if (r.settled_ms !== null) settled.push(r.settled_ms);
        due.push(r.due_ms);
        if (r.kept) {
          tally.addStatuses(r.requested_ms, r.request_id, obligations, true, r.due_ms);
        } else {
          const e = evaluated.get(r.request_id);
          if (e !== undefined) tally.add([e], AsOfWindow.ALWAYS);
        }
      }
      tally.holdOnlyFor(
        AsOfWindow.ofEvents([...settled, ...fulfilled], asOf).and(AsOfWindow.ofDueDates(due, asOf)),
      );
      return { value: tally, holds: tally.holds };
    });
  }

  /**
   * Requests as of asOf from their kept obligations (KEPT_OBLIGATIONS), for those the tally
   * read from the kept rows: the same states an evaluation gives once their world is settled.
   */
  private async keptStates(
    requests: readonly RequestRow[],
    asOf: number,
  ): Promise<EvaluatedRequest[]> {
    if (requests.length === 0) return [];
    const found = await rows<KeptObligationRow>(this.db, KEPT_OBLIGATIONS, [
      requests.map((r) => r.request_id),
    ]);
    const byRequest = new Map<string, KeptObligationRow[]>();
    for (const o of found) {
      const list = byRequest.get(o.request_id);
      if (list === undefined) byRequest.set(o.request_id, [o]);
      else list.push(o);
    }
    return requests.map((row) => {
      const obligations = (byRequest.get(row.request_id) ?? []).map((o): DeletionObligation => {
        const attested = o.fulfilled_at?.getTime() ?? null;
        const status = keptObligationStatus(attested, o.exempt, row.due_by.getTime(), asOf);
        const obligation: DeletionObligation = {
          vendorId: o.vendor_id,
          studyInstanceUid: o.study_uid,
          receivedAt: o.received_at.getTime(),
          status,
        };
        if (status === 'FULFILLED') {
          obligation.attestedAt = attested as number;
          obligation.attestationEventId = o.attestation_event_id ?? undefined;
        }
        return obligation;
      });
      return {
        row,
        state: { requestId: row.request_id, status: requestStatus(obligations), obligations },
      };
    });
  }

  /** These requests evaluated as of asOf over their patients' facts, read for them alone. */
  private async evaluate(
    requests: readonly RequestRow[],
    asOf: number,
  ): Promise<{ evaluated: EvaluatedRequest[]; window: AsOfWindow }> {
    const loaded = await loadPatientsWorld(this.db, [...new Set(requests.map((r) => r.patient))]);
    return evaluateRequests(requests, loaded.world, asOf);
  }

  private requestView(
    row: RequestRow,
    loaded: LoadedWorld,
    asOf: Date,
    vendorScope: string | undefined,
    showsPseudonym: boolean,
  ): DeletionRequestView | null {
    const index = new PatientRightsIndex(loaded.world, asOf.getTime());
    let state: DeletionRequestState | null = evaluateDeletionRequest(requestFact(row), index);
    if (state !== null && vendorScope !== undefined) {
      state = deletionRequestForVendor(state, vendorScope);
    }
    return state === null ? null : deletionRequestView({ row, state }, asOf, showsPseudonym);
  }

  /**
   * A page of the studies a breach affects, by uid (code-point order), read by a keyset
   * query that stops after the page; the patient is left out for a vendor.
   */
  async breachAffected(
    viewer: Viewer,
    breach: BreachImpactView,
    args: PageArgs,
  ): Promise<Page<BreachAffectedView>> {
    const size = pageSize(args.first);
    const after =
      args.after === null || args.after === undefined ? '' : AFFECTED_CURSOR.decode(args.after)[0];
    const fetched = await this.affectedRows(breach, after, size + 1);
    const showsPatient = viewer.vendorScope === undefined;
    return toPage(
      fetched,
      size,
      (a) => AFFECTED_CURSOR.encode([a.studyInstanceUid]),
      (a) => (showsPatient ? a : { ...a, patientPseudonym: null }),
      breach.studiesAffected,
    );
  }

  /** Every study a breach affects, by uid, read in chunks (the notification worklist). */
  async breachAffectedAll(viewer: Viewer, breach: BreachImpactView): Promise<BreachAffectedView[]> {
    const all: BreachAffectedView[] = [];
    const showsPatient = viewer.vendorScope === undefined;
    for (let after = ''; ;) {
      const chunk = await this.affectedRows(breach, after, AFFECTED_CHUNK);
      for (const a of chunk) all.push(showsPatient ? a : { ...a, patientPseudonym: null });
      if (chunk.length < AFFECTED_CHUNK) return all;
      after = chunk[chunk.length - 1].studyInstanceUid;
    }
  }

  private async affectedRows(
    breach: BreachImpactView,
    after: string,
    limit: number,
  ): Promise<BreachAffectedView[]> {
    const fetched = await rows<AffectedRow>(this.db, BREACH_AFFECTED_PAGE, [
      breach.breachId,
      after,
      limit,
    ]);
    return fetched.map((h) => ({
      studyInstanceUid: h.study_uid,
      patientPseudonym: h.patient,
      accessionNumber: h.accession_number,
      receivedAt: h.received_at,
      deidentified: h.deidentified,
      notificationRequired: !h.deidentified,
    }));
  }

  /**
   * A breach's impact: its counts are kept by the projection (rm_breach_counts, read in the
   * breach's own statement), so an answer costs the same whatever the vendor held; the
   * affected studies are read page by page (breachAffected).
   */
  private breachView(row: BreachRow): BreachImpactView {
    if (row.counted_sequence !== row.ledger_sequence) {
      // The projection writes the report and its counts in one transaction: a mismatch is a
      // schema or projection fault, not something a caller can fix.
      throw new Error(`the impact of breach ${row.breach_id} is not kept for its report`);
    }
    const fact = breachFact(row);
    const toNotify = row.to_notify ?? 0;
    const deadlines = notificationDeadlines(fact.discoveredAt, toNotify);
    return {
      breachId: row.breach_id,
      vendorId: row.vendor_id,
      discoveredAt: row.discovered_at,
      exposureFrom: row.exposure_from,
      exposureTo: row.exposure_to,
      description: row.description,
      studiesAffected: row.studies ?? 0,
      studiesDeidentified: row.deidentified ?? 0,
      patientsAffected: row.patients ?? 0,
      patientsToNotify: toNotify,
      individualNoticeDeadline: new Date(deadlines.individualNoticeDeadline),
      hhsNoticeDeadline: new Date(deadlines.hhsNoticeDeadline),
      mediaNoticeMayBeRequired: deadlines.mediaNoticeMayBeRequired,
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
