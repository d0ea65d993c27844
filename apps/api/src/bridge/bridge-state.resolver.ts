import { Args, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import { AnyRole, Requires } from '../auth/resolver-access';
import { CurrentViewer } from '../graphql/graphql-context';
import {
  BridgeStateQueryService,
  type BridgeDestinationView,
  type BridgeStateView,
} from './bridge-state-query.service';
import { BridgeDestinationType, BridgeStateType } from './bridge-state.types';

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
