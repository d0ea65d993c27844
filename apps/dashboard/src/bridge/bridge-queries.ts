// The GraphQL documents of the Orthanc bridge's parts of the dashboard: what the bridges
// hold and the sends they could not record (privacy officers, auditors), and the
// destinations mapped to a vendor. Their
// answers' types are generated from the API's schema (npm run codegen).
import type { ApiClient } from '../api/graphql-client';
import type {
  BridgeDestinationsQuery,
  BridgeDestinationsQueryVariables,
  BridgeStateQuery,
} from '../api/graphql-types.generated';

export type BridgeStateRow = BridgeStateQuery['bridgeState'];
export type HeldItemRow = BridgeStateRow['held'][number];
export type UnrecordedSendRow = BridgeStateRow['unrecorded'][number];
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
      unrecorded {
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
`;

export async function bridgeState(api: ApiClient): Promise<BridgeStateRow> {
  return (await api.query<BridgeStateQuery>(BRIDGE_STATE)).bridgeState;
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
