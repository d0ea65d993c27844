// The GraphQL documents of the deletion-request and breach pages (CONTRACT v1.1 section 3.1),
// their answers' types generated from the API's schema (npm run codegen). Lists are asked
// one page at a time.
import { PAGE_SIZE, type Connection } from '../api/dashboard-queries';
import type { ApiClient } from '../api/graphql-client';
import type {
  BreachQuery,
  BreachQueryVariables,
  BreachesQuery,
  BreachesQueryVariables,
  DeletionRequestsQuery,
  DeletionRequestsQueryVariables,
  DeletionRequestOrder,
  DeletionStatus,
  ObligationsByVendorQuery,
  ObligationsByVendorQueryVariables,
} from '../api/graphql-types.generated';

export type { DeletionStatus };
export type DeletionRequestRow = DeletionRequestsQuery['deletionRequests']['edges'][number]['node'];
export type ObligationRow = DeletionRequestRow['obligations'][number];
export type BreachRow = BreachesQuery['breaches']['edges'][number]['node'];
export type BreachDetail = NonNullable<BreachQuery['breachImpact']>;
export type BreachAffectedRow = BreachDetail['affected']['edges'][number]['node'];
export type VendorObligationsRow = ObligationsByVendorQuery['deletionObligationsByVendor'][number];

export interface DeletionRequestFilter {
  status?: DeletionStatus;
  /** Only this vendor's obligations (a vendor token: its own id or nothing). */
  vendorId?: string;
  asOf?: string;
  /** DUE_DATE: only open and overdue requests, most overdue then soonest due first. */
  orderBy?: DeletionRequestOrder;
}

const DELETION_REQUESTS = /* GraphQL */ `
  query DeletionRequests(
    $status: DeletionStatus
    $vendorId: String
    $asOf: DateTime
    $first: Int!
    $after: String
    $orderBy: DeletionRequestOrder
  ) {
    deletionRequests(
      status: $status
      vendorId: $vendorId
      asOf: $asOf
      first: $first
      after: $after
      orderBy: $orderBy
    ) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          requestId
          requestedAt
          dueBy
          patientPseudonym
          legalGround
          status
          ledgerSequence
          obligations {
            vendor {
              vendorId
              name
            }
            studyInstanceUid
            receivedAt
            status
            attestedAt
            attestationEventId
          }
        }
      }
    }
  }
`;

export async function deletionRequestsPage(
  api: ApiClient,
  filter: DeletionRequestFilter,
  after: string | null,
  first = PAGE_SIZE,
): Promise<Connection<DeletionRequestRow>> {
  const variables: DeletionRequestsQueryVariables = {
    status: filter.status ?? null,
    vendorId: filter.vendorId ?? null,
    asOf: filter.asOf ?? null,
    first,
    after,
    orderBy: filter.orderBy ?? null,
  };
  return (await api.query<DeletionRequestsQuery>(DELETION_REQUESTS, variables)).deletionRequests;
}

const OBLIGATIONS_BY_VENDOR = /* GraphQL */ `
  query ObligationsByVendor($asOf: DateTime) {
    deletionObligationsByVendor(asOf: $asOf) {
      vendor {
        vendorId
        name
      }
      overdue
      open
      fulfilled
      exempt
    }
  }
`;

/**
 * Every vendor with deletion obligations by status, counted by the server over every request
 * made by asOf, most overdue first (a vendor token: only its own line).
 */
export async function obligationsByVendor(
  api: ApiClient,
  asOf: string | undefined,
): Promise<VendorObligationsRow[]> {
  const variables: ObligationsByVendorQueryVariables = { asOf: asOf ?? null };
  return (await api.query<ObligationsByVendorQuery>(OBLIGATIONS_BY_VENDOR, variables))
    .deletionObligationsByVendor;
}

const BREACHES = /* GraphQL */ `
  query Breaches($first: Int!, $after: String) {
    breaches(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...BreachFields
        }
      }
    }
  }
`;

const BREACH = /* GraphQL */ `
  query Breach($id: String!, $first: Int!, $after: String) {
    breachImpact(breachId: $id) {
      ...BreachFields
      affected(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            studyInstanceUid
            patientPseudonym
            receivedAt
            deidentified
            notificationRequired
          }
        }
      }
    }
  }
`;

// What the breach list and a breach's page both show.
const BREACH_FIELDS = /* GraphQL */ `
  fragment BreachFields on BreachImpact {
    breachId
    vendor {
      vendorId
      name
    }
    discoveredAt
    exposureFrom
    exposureTo
    studiesAffected
    patientsAffected
    patientsToNotify
    individualNoticeDeadline
    hhsNoticeDeadline
    mediaNoticeMayBeRequired
    ledgerSequence
  }
`;

export async function breachesPage(
  api: ApiClient,
  after: string | null,
): Promise<Connection<BreachRow>> {
  const variables: BreachesQueryVariables = { first: PAGE_SIZE, after };
  return (await api.query<BreachesQuery>(BREACHES + BREACH_FIELDS, variables)).breaches;
}

export async function breachDetail(
  api: ApiClient,
  breachId: string,
  after: string | null,
): Promise<BreachDetail | null> {
  const variables: BreachQueryVariables = { id: breachId, first: PAGE_SIZE, after };
  return (await api.query<BreachQuery>(BREACH + BREACH_FIELDS, variables)).breachImpact ?? null;
}
