// The GraphQL documents of the deletion-request and breach pages (CONTRACT v1.1 section 3.1),
// with the shape of their answers. Lists are asked one page at a time.
import { PAGE_SIZE, type Connection } from '../api/dashboard-queries';
import type { ApiClient } from '../api/graphql-client';

export type DeletionStatus = 'OPEN' | 'OVERDUE' | 'FULFILLED' | 'EXEMPT';

export interface ObligationRow {
  vendor: { vendorId: string; name: string };
  studyInstanceUid: string;
  receivedAt: string;
  status: DeletionStatus;
  attestedAt: string | null;
  attestationEventId: string | null;
}

export interface DeletionRequestRow {
  requestId: string;
  requestedAt: string;
  dueBy: string;
  patientPseudonym: string | null;
  legalGround: string | null;
  status: DeletionStatus;
  obligations: ObligationRow[];
  ledgerSequence: number;
}

export interface BreachAffectedRow {
  studyInstanceUid: string;
  patientPseudonym: string | null;
  receivedAt: string;
  deidentified: boolean;
  notificationRequired: boolean;
}

export interface BreachRow {
  breachId: string;
  vendor: { vendorId: string; name: string };
  discoveredAt: string;
  exposureFrom: string | null;
  exposureTo: string;
  studiesAffected: number;
  patientsAffected: number;
  patientsToNotify: number;
  individualNoticeDeadline: string;
  hhsNoticeDeadline: string;
  mediaNoticeMayBeRequired: boolean;
  ledgerSequence: number;
}

export interface BreachDetail extends BreachRow {
  affected: Connection<BreachAffectedRow>;
}

const PAGE_INFO = 'totalCount pageInfo { hasNextPage endCursor }';
const REQUEST_FIELDS = `requestId requestedAt dueBy patientPseudonym legalGround status ledgerSequence
  obligations { vendor { vendorId name } studyInstanceUid receivedAt status attestedAt attestationEventId }`;
const BREACH_FIELDS = `breachId vendor { vendorId name } discoveredAt exposureFrom exposureTo
  studiesAffected patientsAffected patientsToNotify individualNoticeDeadline hhsNoticeDeadline
  mediaNoticeMayBeRequired ledgerSequence`;

export interface DeletionRequestFilter {
  status?: DeletionStatus;
  /** Only this vendor's obligations (a vendor token: its own id or nothing). */
  vendorId?: string;
  asOf?: string;
}

export async function deletionRequestsPage(
  api: ApiClient,
  filter: DeletionRequestFilter,
  after: string | null,
  first = PAGE_SIZE,
): Promise<Connection<DeletionRequestRow>> {
  const data = await api.query<{ deletionRequests: Connection<DeletionRequestRow> }>(
    `query DeletionRequests($status: DeletionStatus, $vendorId: String, $asOf: DateTime, $first: Int!, $after: String) {
      deletionRequests(status: $status, vendorId: $vendorId, asOf: $asOf, first: $first, after: $after) {
        ${PAGE_INFO} edges { cursor node { ${REQUEST_FIELDS} } }
      }
    }`,
    {
      status: filter.status ?? null,
      vendorId: filter.vendorId ?? null,
      asOf: filter.asOf ?? null,
      first,
      after,
    },
  );
  return data.deletionRequests;
}

export async function breachesPage(
  api: ApiClient,
  after: string | null,
): Promise<Connection<BreachRow>> {
  const data = await api.query<{ breaches: Connection<BreachRow> }>(
    `query Breaches($first: Int!, $after: String) {
      breaches(first: $first, after: $after) { ${PAGE_INFO} edges { cursor node { ${BREACH_FIELDS} } } }
    }`,
    { first: PAGE_SIZE, after },
  );
  return data.breaches;
}

export async function breachDetail(
  api: ApiClient,
  breachId: string,
  after: string | null,
): Promise<BreachDetail | null> {
  const data = await api.query<{ breachImpact: BreachDetail | null }>(
    `query Breach($id: String!, $first: Int!, $after: String) {
      breachImpact(breachId: $id) {
        ${BREACH_FIELDS}
        affected(first: $first, after: $after) {
          ${PAGE_INFO}
          edges { cursor node { studyInstanceUid patientPseudonym receivedAt deidentified notificationRequired } }
        }
      }
    }`,
    { id: breachId, first: PAGE_SIZE, after },
  );
  return data.breachImpact;
}
