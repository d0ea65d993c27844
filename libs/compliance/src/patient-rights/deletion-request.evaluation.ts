import { compareStrings } from '../finding-order';
import { periodHolding } from './holding-periods';
import type { PatientRightsIndex } from './patient-rights.index';
import type {
  DeletionObligation,
  DeletionRequestFact,
  DeletionRequestState,
  DeletionStatus,
} from './patient-rights.facts';

/** The studies a request covers: its patient's studies (or those of them it names) and their derivatives. */
export function studiesInScope(request: DeletionRequestFact, index: PatientRightsIndex): string[] {
  const own = index.studiesOfPatient(request.patient);
  if (request.scopeStudyInstanceUids === undefined) return index.withDerivatives(own);
  const named = new Set(request.scopeStudyInstanceUids);
  return index.withDerivatives(own.filter((uid) => named.has(uid)));
}

/**
 * A deletion request as of the index's asOf (CONTRACT.md section 3.1), or null when the
 * request had not been made yet. One obligation per (vendor, study in scope) held at the
 * request's time.
 */
export function evaluateDeletionRequest(
  request: DeletionRequestFact,
  index: PatientRightsIndex,
): DeletionRequestState | null {
  const asOf = index.asOf;
  if (request.at > asOf) return null;
  const obligations: DeletionObligation[] = [];
  for (const uid of studiesInScope(request, index)) {
    for (const [vendorId, periods] of index.holdingsOf(uid)) {
      const holding = periodHolding(periods, request.at);
      if (holding === undefined) continue;
      obligations.push(obligationStatus(request, index, vendorId, uid, holding.start));
    }
  }
  obligations.sort(
    (a, b) =>
      compareStrings(a.vendorId, b.vendorId) ||
      compareStrings(a.studyInstanceUid, b.studyInstanceUid),
  );
  return { requestId: request.requestId, status: requestStatus(obligations), obligations };
}

function obligationStatus(
  request: DeletionRequestFact,
  index: PatientRightsIndex,
  vendorId: string,
  studyInstanceUid: string,
  receivedAt: number,
): DeletionObligation {
  const obligation = { vendorId, studyInstanceUid, receivedAt };
  // The index holds only events up to asOf, so every attestation it gives is in [t_R, asOf].
  const attestations = index.attestationsOf(studyInstanceUid, vendorId, request.at);
  if (attestations.length > 0) {
    const first = attestations.reduce((a, b) =>
      b.at < a.at || (b.at === a.at && compareStrings(b.eventId, a.eventId) < 0) ? b : a,
    );
    return {
      ...obligation,
      status: 'FULFILLED',
      attestedAt: first.at,
      attestationEventId: first.eventId,
    };
  }
  if (index.isProperlyDeidentified(studyInstanceUid)) return { ...obligation, status: 'EXEMPT' };
  return { ...obligation, status: index.asOf > request.dueBy ? 'OVERDUE' : 'OPEN' };
}

/** FULFILLED when every obligation is FULFILLED or EXEMPT (or none), OVERDUE when one is, else OPEN. */
export function requestStatus(obligations: readonly { status: DeletionStatus }[]): DeletionStatus {
  if (obligations.some((o) => o.status === 'OVERDUE')) return 'OVERDUE';
  if (obligations.every((o) => o.status === 'FULFILLED' || o.status === 'EXEMPT')) {
    return 'FULFILLED';
  }
  return 'OPEN';
}

/** A request as a vendor reads it: only its obligations and a status over them; null if it has none. */
export function deletionRequestForVendor(
  state: DeletionRequestState,
  vendorId: string,
): DeletionRequestState | null {
  const obligations = state.obligations.filter((o) => o.vendorId === vendorId);
  if (obligations.length === 0) return null;
  return { requestId: state.requestId, status: requestStatus(obligations), obligations };
}
