// The GraphQL documents of the Orthanc bridge's parts of the dashboard: what the bridges
// hold (privacy officers, auditors) and the destinations mapped to a vendor.
import type { ApiClient } from '../api/graphql-client';

export interface HeldItemRow {
  /** SEND or STUDY. */
  kind: string;
  reason: string;
  studyInstanceUid: string;
  destination: string | null;
  destinationKind: string | null;
  occurredAt: string;
  heldAt: string;
  source: string;
}

export interface BridgeStateRow {
  heldSends: number;
  heldStudies: number;
  held: HeldItemRow[];
}

export interface DestinationRow {
  name: string;
  vendorId: string;
  purpose: string;
  legalBasis: string;
  agreementId: string | null;
  orthancKind: string | null;
  source: string;
}

export async function bridgeState(api: ApiClient): Promise<BridgeStateRow> {
  const data = await api.query<{ bridgeState: BridgeStateRow }>(
    `query BridgeState { bridgeState { heldSends heldStudies
      held { kind reason studyInstanceUid destination destinationKind occurredAt heldAt source } } }`,
  );
  return data.bridgeState;
}

export async function bridgeDestinations(
  api: ApiClient,
  vendorId: string | null,
): Promise<DestinationRow[]> {
  const data = await api.query<{ bridgeDestinations: DestinationRow[] }>(
    `query BridgeDestinations($vendorId: String) { bridgeDestinations(vendorId: $vendorId) {
      name vendorId purpose legalBasis agreementId orthancKind source } }`,
    { vendorId },
  );
  return data.bridgeDestinations;
}
