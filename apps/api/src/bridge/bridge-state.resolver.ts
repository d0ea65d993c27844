import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import type { Page } from '@scantrail/queries';
import { AnyRole, Requires } from '../auth/resolver-access';
import { CurrentViewer } from '../graphql/graphql-context';
import {
  BridgeStateQueryService,
  type BridgeDestinationView,
  type BridgeStateView,
  type BridgeUnrecordedSendView,
} from './bridge-state-query.service';
import {
  BridgeDestinationType,
  BridgeStateType,
  BridgeUnrecordedSendConnection,
} from './bridge-state.types';

@Resolver()
export class BridgeStateResolver {
  constructor(private readonly bridgeStates: BridgeStateQueryService) {}

  @Requires('all-vendors')
  @Query(() => BridgeStateType, {
    description:
      'What the Orthanc bridges hold, to act on: sends to unmapped destinations, studies without Patient ID or Study Date; and the sends they could not record (not for vendors).',
  })
  bridgeState(@CurrentViewer() viewer: Viewer): Promise<BridgeStateView> {
    return this.bridgeStates.state(viewer);
  }

  @Requires('all-vendors')
  @Query(() => BridgeUnrecordedSendConnection, {
    description:
      'Every successful send the Orthanc bridges could not record (images that left with no ledger entry), newest first (ties: the newest completion, unknown last, then bridge and job key); bridgeState.unrecorded has the newest 500 only. Not for vendors.',
  })
  bridgeUnrecordedSends(
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<BridgeUnrecordedSendView>> {
    return this.bridgeStates.unrecordedPage(viewer, { first, after });
  }

  @AnyRole()
  @Query(() => [BridgeDestinationType], {
    description:
      "The Orthanc bridges' destinations mapped to a vendor, or all of them (a vendor: only its own).",
  })
  bridgeDestinations(
    @Args('vendorId', { type: () => String, nullable: true }) vendorId: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<BridgeDestinationView[]> {
    return this.bridgeStates.destinations(viewer, vendorId);
  }
}
