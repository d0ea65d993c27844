import { Args, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import {
  VendorReadService,
  type FindingView,
  type Page,
  type VendorView,
} from '@scantrail/queries';
import { FindingConnection } from '../findings/finding.types';
import { CurrentViewer, Loaders } from '../graphql/graphql-context';
import type { RequestLoaders } from '../graphql/request-loaders';
import { VendorConnection, VendorType } from './vendor.types';
import { FIELD_COST } from '../graphql/query-cost';
import { AnyRole } from '../auth/resolver-access';

@Resolver(() => VendorType)
export class VendorResolver {
  constructor(private readonly vendorService: VendorReadService) {}

  @AnyRole()
  @Query(() => VendorType, { nullable: true, description: 'Null when no event names the vendor.' })
  vendor(
    @Args('vendorId') vendorId: string,
    @CurrentViewer() viewer: Viewer,
  ): Promise<VendorView | null> {
    return this.vendorService.vendor(viewer, vendorId);
  }

  @AnyRole()
  @Query(() => VendorConnection, { description: 'Registered vendors in vendorId order.' })
  vendors(
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<VendorView>> {
    return this.vendorService.page(viewer, { first, after });
  }

  @AnyRole()
  @ResolveField(() => Int, {
    complexity: FIELD_COST.batchedRead,
    description: 'Distinct studies disclosed or transferred to it (datasets expanded).',
  })
  async studiesReceived(
    @Parent() vendor: VendorView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<number> {
    return (await loaders.vendorStats.load(vendor.vendorId)).studiesReceived;
  }

  @AnyRole()
  @ResolveField(() => Int, {
    complexity: FIELD_COST.batchedRead,
    description: 'Distinct patients of the studies it received.',
  })
  async patientsAffected(
    @Parent() vendor: VendorView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<number> {
    return (await loaders.vendorStats.load(vendor.vendorId)).patientsAffected;
  }

  @AnyRole()
  @ResolveField(() => FindingConnection, { complexity: FIELD_COST.batchedRead })
  findings(
    @Parent() vendor: VendorView,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Loaders() loaders: RequestLoaders,
  ): Promise<Page<FindingView>> {
    return loaders.vendorFindings({ first, after }).load(vendor.vendorId);
  }
}
