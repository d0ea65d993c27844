// The GraphQL documents of the Orthanc bridge's parts of the dashboard: what the bridges
// hold and the sends they could not record, paged (privacy officers, auditors), and the
// destinations mapped to a vendor. Their
// answers' types are generated from the API's schema (npm run codegen).
import type { ApiClient } from '../api/graphql-client';
import type {
  BridgeDestinationsQuery,
  BridgeDestinationsQueryVariables,
  BridgeStateQuery,
  BridgeUnrecordedSendsQuery,
  BridgeUnrecordedSendsQueryVariables,
} from '../api/graphql-types.generated';
import type { Connection } from '../api/dashboard-queries';

export type BridgeStateRow = BridgeStateQuery['bridgeState'];
export type HeldItemRow = BridgeStateRow['held'][number];
export type UnrecordedSendRow =
  BridgeUnrecordedSendsQuery['bridgeUnrecordedSends']['edges'][number]['node'];
export type DestinationRow = BridgeDestinationsQuery['bridgeDestinations'][number];

const BRIDGE_STATE = /* GraphQL */ `
  query BridgeState {
    bridgeState {
      heldSends
      heldStudies
      held {
        kind
        reason
        studyInstanceUid
        destination
        destinationKind
        occurredAt
        heldAt
        source
      }
      unrecordedSends
    }
  }
`;

export async function bridgeState(api: ApiClient): Promise<BridgeStateRow> {
  return (await api.query<BridgeStateQuery>(BRIDGE_STATE)).bridgeState;
}

/** Every send the bridges could not record, a page at a time (bridgeState has the newest 500). */
export const BRIDGE_UNRECORDED_SENDS = /* GraphQL */ `
  query BridgeUnrecordedSends($first: Int, $after: String) {
    bridgeUnrecordedSends(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          jobKey
          reason
          jobType
          destinationKind
          destination
          instances
          completedAt
          noticedAt
          source
        }
      }
    }
  }
`;

/** Sends not recorded on a page of the PACS view. */
const UNRECORDED_PAGE_SIZE = 50;

export async function bridgeUnrecordedSendsPage(
  api: ApiClient,
  after: string | null,
): Promise<Connection<UnrecordedSendRow>> {
  const variables: BridgeUnrecordedSendsQueryVariables = { first: UNRECORDED_PAGE_SIZE, after };
  return (await api.query<BridgeUnrecordedSendsQuery>(BRIDGE_UNRECORDED_SENDS, variables))
    .bridgeUnrecordedSends;
}

const BRIDGE_DESTINATIONS = /* GraphQL */ `
  query BridgeDestinations($vendorId: String) {
    bridgeDestinations(vendorId: $vendorId) {
      name
      vendorId
      purpose
      legalBasis
      agreementId
      orthancKind
      source
    }
  }
`;

export async function bridgeDestinations(
  api: ApiClient,
  vendorId: string | null,
): Promise<DestinationRow[]> {
  const variables: BridgeDestinationsQueryVariables = { vendorId };
  return (await api.query<BridgeDestinationsQuery>(BRIDGE_DESTINATIONS, variables))
    .bridgeDestinations;
}
