import type { Viewer } from '@scantrail/access';
import {
  CursorCodec,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
  type Queryable,
} from '@scantrail/queries';

export interface BridgeHeldView {
  kind: string;
  reason: string;
  studyInstanceUid: string;
  destination: string | null;
  destinationKind: string | null;
  occurredAt: Date;
  heldAt: Date;
  source: string;
}

export interface BridgeUnrecordedSendView {
  jobKey: string;
  reason: string;
  jobType: string;
  destinationKind: string;
  destination: string | null;
  instances: number | null;
  completedAt: Date | null;
  noticedAt: Date;
  source: string;
}

export interface BridgeStateView {
  heldSends: number;
  heldStudies: number;
  held: BridgeHeldView[];
  unrecordedSends: number;
  unrecorded: BridgeUnrecordedSendView[];
}

interface UnrecordedRow {
  job_key: string;
  reason: string;
  job_type: string;
  destination_kind: string;
  destination: string | null;
  instances: number | null;
  completed_at: Date | null;
  noticed_at: Date;
  source: string;
}

const unrecordedView = (r: UnrecordedRow): BridgeUnrecordedSendView => ({
  jobKey: r.job_key,
  reason: r.reason,
  jobType: r.job_type,
  destinationKind: r.destination_kind,
  destination: r.destination,
  instances: r.instances,
  completedAt: r.completed_at,
  noticedAt: r.noticed_at,
  source: r.source,
});

/** The key of the send a page starts after; a cursor not of this list is BAD_USER_INPUT. */
function unrecordedAfter(
  after: string | null | undefined,
): [number, number | null, string, string] | [null, null, null, null] {
  const key = UNRECORDED_CURSOR.after(after);
  if (key === undefined) return [null, null, null, null];
  const [noticed, completed, source, jobKey] = key;
  if (completed === '') return [noticed, null, source, jobKey];
  const completedUs = /^-?[0-9]{1,16}$/.test(completed) ? Number(completed) : NaN;
  if (!Number.isSafeInteger(completedUs)) throw UNRECORDED_CURSOR.refusal();
  return [noticed, completedUs, source, jobKey];
}

export interface BridgeDestinationView {
  name: string;
  vendorId: string;
  purpose: string;
  legalBasis: string;
  agreementId: string | null;
  orthancKind: string | null;
  source: string;
}

const HELD_LIMIT = 500;
const UNRECORDED_LIMIT = 500;

const HELD_SQL = `
  SELECT kind, reason, study_instance_uid, destination, destination_kind, occurred_at, held_at, source
    FROM bridge_held ORDER BY held_at, source, held_key LIMIT $1`;
const HELD_COUNTS_SQL = `SELECT kind, count(*)::int AS n FROM bridge_held GROUP BY kind`;
// Newest first: what the privacy officer has not seen yet comes first.
const UNRECORDED_SQL = `
  SELECT job_key, reason, job_type, destination_kind, destination, instances, completed_at,
         noticed_at, source
    FROM bridge_unrecorded_sends
   ORDER BY noticed_at DESC, completed_at DESC NULLS LAST, source, job_key LIMIT $1`;
/**
 * All of them a page at a time, in UNRECORDED_SQL's order (a total one: (source, job_key) is
 * the key), after the send at ($1 noticed_at, $2 completed_at, $3 source, $4 job_key) when $1
 * is given. The times travel as epoch microseconds: a JavaScript Date keeps milliseconds, and
 * one bridge step notices many sends at one now() that differ only below them. The order's
 * index is bridge_unrecorded_sends_noticed (migration 1764119000000).
 */
const UNRECORDED_PAGE_SQL = `
  WITH k AS (
    SELECT timestamptz 'epoch' + $1::bigint * interval '1 microsecond' AS noticed,
           timestamptz 'epoch' + $2::bigint * interval '1 microsecond' AS completed)
  SELECT job_key, reason, job_type, destination_kind, destination, instances, completed_at,
         noticed_at, source,
         (extract(epoch FROM noticed_at) * 1000000)::bigint AS noticed_us,
         (extract(epoch FROM completed_at) * 1000000)::bigint AS completed_us
    FROM bridge_unrecorded_sends, k
   WHERE $1::bigint IS NULL
      OR noticed_at < k.noticed
      OR (noticed_at = k.noticed
          AND ((k.completed IS NOT NULL AND (completed_at < k.completed OR completed_at IS NULL))
               OR (completed_at IS NOT DISTINCT FROM k.completed
                   AND (source, job_key) > ($3::text, $4::text))))
   ORDER BY noticed_at DESC, completed_at DESC NULLS LAST, source, job_key LIMIT $5`;
/** [noticed_at µs, completed_at µs as digits or '' for none, source, job_key]. */
const UNRECORDED_CURSOR = new CursorCodec('bridgeUnrecordedSends', [
  'number',
  'string',
  'string',
  'string',
] as const);
// Kept per bridge by triggers on bridge_unrecorded_sends (migration 1764119000000): a
// count(*) of that table read every row ever noticed, on every call.
const UNRECORDED_COUNT_SQL = `SELECT COALESCE(sum(sends), 0)::int AS n FROM bridge_unrecorded_counts`;
const DESTINATIONS_SQL = `
  SELECT name, vendor_id, purpose, legal_basis, agreement_id, orthanc_kind, source
    FROM bridge_destinations WHERE ($1::text IS NULL OR vendor_id = $1)
   ORDER BY vendor_id, name, source LIMIT 500`;

/**
 * The Orthanc bridges' own tables (written by apps/bridge): what they hold, the sends they
 * could not record, and where their destinations lead. Held items carry study uids and
 * destination names only; unrecorded sends no study at all.
 */
export class BridgeStateQueryService {
  constructor(private readonly db: Queryable) {}

  async state(viewer: Viewer): Promise<BridgeStateView> {
    viewer.require('all-vendors', 'bridgeState');
    const [counts, rows, unrecordedCount, unrecorded] = await Promise.all([
      this.db.query(HELD_COUNTS_SQL) as Promise<{ kind: string; n: number }[]>,
      this.db.query(HELD_SQL, [HELD_LIMIT]) as Promise<
        {
          kind: string;
          reason: string;
          study_instance_uid: string;
          destination: string | null;
          destination_kind: string | null;
          occurred_at: Date;
          held_at: Date;
          source: string;
        }[]
      >,
      this.db.query(UNRECORDED_COUNT_SQL) as Promise<{ n: number }[]>,
      this.db.query(UNRECORDED_SQL, [UNRECORDED_LIMIT]) as Promise<UnrecordedRow[]>,
    ]);
    return {
      heldSends: counts.find((c) => c.kind === 'SEND')?.n ?? 0,
      heldStudies: counts.find((c) => c.kind === 'STUDY')?.n ?? 0,
      held: rows.map((r) => ({
        kind: r.kind,
        reason: r.reason,
        studyInstanceUid: r.study_instance_uid,
        destination: r.destination,
        destinationKind: r.destination_kind,
        occurredAt: r.occurred_at,
        heldAt: r.held_at,
        source: r.source,
      })),
      unrecordedSends: unrecordedCount[0]?.n ?? 0,
      unrecorded: unrecorded.map(unrecordedView),
    };
  }

  /**
   * Every send the bridges could not record, newest first, a page at a time: `state` lists
   * the newest 500 only, while its count covers all. The same roles as `state`.
   */
  async unrecordedPage(viewer: Viewer, args: PageArgs): Promise<Page<BridgeUnrecordedSendView>> {
    viewer.require('all-vendors', 'bridgeUnrecordedSends');
    const size = pageSize(args.first);
    const after = unrecordedAfter(args.after);
    const rows = (await this.db.query(UNRECORDED_PAGE_SQL, [
      ...after,
      size + 1,
    ])) as (UnrecordedRow & {
      noticed_us: string;
      completed_us: string | null;
    })[];
    const total = async (): Promise<number> =>
      ((await this.db.query(UNRECORDED_COUNT_SQL)) as { n: number }[])[0]?.n ?? 0;
    return toPage(
      rows,
      size,
      (r) =>
        UNRECORDED_CURSOR.encode([Number(r.noticed_us), r.completed_us ?? '', r.source, r.job_key]),
      unrecordedView,
      total,
    );
  }

  /**
   * Destinations mapped to a vendor, or all of them; a vendor's list is filtered to its
   * own (CONTRACT section 3), and naming another vendor is FORBIDDEN.
   */
  async destinations(
    viewer: Viewer,
    vendorId: string | null | undefined,
  ): Promise<BridgeDestinationView[]> {
    // An argument left out arrives as undefined, not null.
    if (vendorId !== null && vendorId !== undefined) viewer.requireVendor(vendorId, 'vendorId');
    const only = vendorId ?? viewer.vendorScope ?? null;
    const rows = (await this.db.query(DESTINATIONS_SQL, [only])) as {
      name: string;
      vendor_id: string;
      purpose: string;
      legal_basis: string;
      agreement_id: string | null;
      orthanc_kind: string | null;
      source: string;
    }[];
    return rows.map((r) => ({
      name: r.name,
      vendorId: r.vendor_id,
      purpose: r.purpose,
      legalBasis: r.legal_basis,
      agreementId: r.agreement_id,
      orthancKind: r.orthanc_kind,
      source: r.source,
    }));
  }
}
