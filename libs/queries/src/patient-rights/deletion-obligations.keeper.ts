// Deletion obligations kept in SQL (migration 1764103000000-deletion-obligations): each
// request evaluated by the pure rules over every event of its patient's world, reduced to
// what does not depend on asOf once the world is settled. The projection calls
// keepDeletionObligations for the requests a batch touches, in the batch's transaction;
// `cli rebuild` (through the projection), `cli keep-obligations` and the bench's fast loader
// call keepAllDeletionObligations.
import { PatientRightsIndex, evaluateDeletionRequest } from '@scantrail/compliance';
import { rows, type Queryable } from '../sql/queryable';
import { requestFact, type RequestRow } from './deletion-request.pages';
import { loadPatientsWorld } from './patient-rights-facts.loader';
import { patientWorld, type PatientWorld } from './patient-world';
import {
  FORGET_KEPT,
  FORGET_KEPT_OF_VENDORS,
  INSERT_KEPT,
  INSERT_KEPT_FAMILY,
  INSERT_KEPT_OBLIGATIONS,
  KEEP_EVENTUAL,
  KEEP_EVENTUAL_OF_VENDORS,
  REQUEST_IDS_AFTER,
  REQUESTS_MADE_SINCE,
  REQUESTS_BY_IDS,
  REQUESTS_KEPT,
  REQUESTS_TOUCHED,
} from './deletion-requests.sql';

/** Requests evaluated per round trip (their patients' worlds held at once). */
const KEEP_CHUNK = 500;

/**
 * These requests evaluated again over their patients' whole worlds; their kept rows and
 * eventual statuses replaced (rm_deletion_counts moved by the difference).
 */
export async function keepDeletionObligations(
  db: Queryable,
  requestIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(requestIds)];
  for (let i = 0; i < ids.length; i += KEEP_CHUNK) {
    const chunk = ids.slice(i, i + KEEP_CHUNK);
    await db.query(FORGET_KEPT, [chunk]);
    await keepRequests(db, await rows<RequestRow>(db, REQUESTS_BY_IDS, [chunk]));
    await db.query(KEEP_EVENTUAL, [chunk]);
  }
}

/**
 * The obligations of the vendors `vendorIds` under these requests evaluated again, for a
 * batch that only added those vendors' receipts or attestations: a vendor's holdings and
 * attestations are its own events', so every other vendor's kept obligations and eventual
 * rows stand, and so do the requests' kept rows and families (they follow the studies);
 * each request's own eventual row moves by those vendors' difference (KEEP_EVENTUAL_OF_VENDORS).
 * With `since`, a request made before it stands too: for a batch of receipts alone, the
 * earliest of them (a receipt at r starts a holding period at r, which holds no request
 * made before r); for attestations, the vendors' earlier attestations of the same studies
 * (attestations-settled.sql: a request made before one was fulfilled and its holding
 * ended by it). A request not kept for its current ledger sequence (never kept since
 * 1764103000000) is evaluated whole.
 */
export async function keepDeletionObligationsOfVendors(
  db: Queryable,
  requestIds: readonly string[],
  vendorIds: readonly string[],
  since?: Date,
): Promise<void> {
  const ids = [...new Set(requestIds)];
  const vendors = [...new Set(vendorIds)];
  if (ids.length === 0 || vendors.length === 0) return;
  const current = new Map(
    (await rows<{ request_id: string; requested_at: Date }>(db, REQUESTS_KEPT, [ids])).map((r) => [
      r.request_id,
      r.requested_at,
    ]),
  );
  await keepDeletionObligations(
    db,
    ids.filter((id) => !current.has(id)),
  );
  const kept = ids.filter((id) => {
    const at = current.get(id);
    return at !== undefined && (since === undefined || at.getTime() >= since.getTime());
  });
  for (let i = 0; i < kept.length; i += KEEP_CHUNK) {
    const chunk = kept.slice(i, i + KEEP_CHUNK);
    const forgotten = await rows<KeptObligation>(db, FORGET_KEPT_OF_VENDORS, [chunk, vendors]);
    const fresh = await keepRequests(
      db,
      await rows<RequestRow>(db, REQUESTS_BY_IDS, [chunk]),
      vendors,
    );
    await db.query(KEEP_EVENTUAL_OF_VENDORS, [
      chunk,
      vendors,
      forgotten.map((o) => o.request_id),
      forgotten.map((o) => o.vendor_id),
      forgotten.map((o) => o.fulfilled_at),
      forgotten.map((o) => o.exempt),
      fresh[0],
      fresh[1],
      fresh[4],
      fresh[6],
    ]);
  }
}

/** Every request evaluated again (a bulk load, a backfill), KEEP_CHUNK at a time. */
export async function keepAllDeletionObligations(db: Queryable): Promise<number> {
  let kept = 0;
  for (let after = ''; ;) {
    const chunk = (
      await rows<{ request_id: string }>(db, REQUEST_IDS_AFTER, [after, KEEP_CHUNK])
    ).map((r) => r.request_id);
    if (chunk.length === 0) return kept;
    await keepDeletionObligations(db, chunk);
    kept += chunk.length;
    after = chunk[chunk.length - 1];
  }
}

/**
 * The requests a batch may have changed: those of the patients whose world holds one of
 * `studies` now (the studies themselves or an ancestor registered to the patient), those
 * whose kept world held one, and `requestIds` (written by the batch). With `since` (a batch
 * of receipts or attestations alone, before which no request moved: see
 * keepDeletionObligationsOfVendors): only the requests of those patients made at or after
 * it (REQUESTS_MADE_SINCE).
 */
export async function requestsTouched(
  db: Queryable,
  studies: readonly string[],
  requestIds: readonly string[],
  since?: Date,
): Promise<string[]> {
  if (studies.length + requestIds.length === 0) return [];
  if (since !== undefined) {
    if (requestIds.length > 0) throw new Error('requestsTouched: since is for receipts alone');
    const made = await rows<{ request_id: string }>(db, REQUESTS_MADE_SINCE, [
      [...new Set(studies)],
      since,
    ]);
    return made.map((r) => r.request_id);
  }
  const found = await rows<{ request_id: string }>(db, REQUESTS_TOUCHED, [
    [...new Set(studies)],
    [...new Set(requestIds)],
  ]);
  return found.map((r) => r.request_id);
}

/** A kept obligation as FORGET_KEPT_OF_VENDORS returns it. */
interface KeptObligation {
  request_id: string;
  vendor_id: string;
  fulfilled_at: Date | null;
  exempt: boolean;
}

/** The columns of INSERT_KEPT_OBLIGATIONS, one array each. */
type ObligationColumns = [
  string[],
  string[],
  string[],
  string[],
  (string | null)[],
  (string | null)[],
  boolean[],
];

/**
 * The requests evaluated over their patients' worlds (with `vendors`, over those vendors'
 * events alone, their obligations only: the kept rows and families stand). Returns the
 * obligations written.
 */
async function keepRequests(
  db: Queryable,
  requests: readonly RequestRow[],
  vendors?: readonly string[],
): Promise<ObligationColumns> {
  const obligations: ObligationColumns = [[], [], [], [], [], [], []];
  if (requests.length === 0) return obligations;
  const { world } = await loadPatientsWorld(
    db,
    [...new Set(requests.map((r) => r.patient))],
    vendors,
  );
  const parts = new Map<string, { part: PatientWorld; index: PatientRightsIndex }>();
  const kept: [string[], string[], string[]] = [[], [], []];
  const family: [string[], string[]] = [[], []];
  for (const row of requests) {
    let own = parts.get(row.patient);
    if (own === undefined) {
      const part = patientWorld(world, row.patient);
      own = { part, index: new PatientRightsIndex(part.world) };
      parts.set(row.patient, own);
    }
    const { part: f, index } = own;
    const state = evaluateDeletionRequest(requestFact(row), index);
    kept[0].push(row.request_id);
    kept[1].push(row.ledger_sequence);
    kept[2].push(new Date(Math.max(row.requested_at.getTime(), f.settledAt)).toISOString());
    for (const uid of f.family) {
      family[0].push(row.request_id);
      family[1].push(uid);
    }
    for (const o of state?.obligations ?? []) {
      obligations[0].push(row.request_id);
      obligations[1].push(o.vendorId);
      obligations[2].push(o.studyInstanceUid);
      obligations[3].push(new Date(o.receivedAt).toISOString());
      obligations[4].push(o.attestedAt === undefined ? null : new Date(o.attestedAt).toISOString());
      obligations[5].push(o.attestationEventId ?? null);
      obligations[6].push(index.isProperlyDeidentified(o.studyInstanceUid));
    }
  }
  if (vendors === undefined) {
    await db.query(INSERT_KEPT, kept);
    if (family[0].length > 0) await db.query(INSERT_KEPT_FAMILY, family);
  }
  if (obligations[0].length > 0) await db.query(INSERT_KEPT_OBLIGATIONS, obligations);
  return obligations;
}
