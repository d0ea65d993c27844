import { Args, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import {
  PatientRightsReadService,
  namedOnlyVendor,
  type BreachAffectedView,
  type BreachImpactView,
  type DeletionObligationNode,
  type DeletionRequestNode,
  type DeletionRequestView,
  type Page,
  type VendorView,
} from '@scantrail/queries';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { CurrentViewer, Loaders } from '../graphql/graphql-context';
import type { RequestLoaders } from '../graphql/request-loaders';
import { VendorType } from '../vendor/vendor.types';
import {
  BreachAffectedConnection,
  BreachImpactConnection,
  BreachImpactType,
  DeletionRequestConnection,
  DeletionRequestOrder,
  DeletionRequestType,
  DeletionStatus,
  VendorDeletionObligationsType,
} from './patient-rights.types';
import { AnyRole } from '../auth/resolver-access';

/** A vendor only named by events still shows (namedOnlyVendor). */
async function vendorOf(loaders: RequestLoaders, vendorId: string): Promise<VendorView> {
  return (await loaders.vendors.load(vendorId)) ?? namedOnlyVendor(vendorId);
}

type DeletionRequestWithVendors = Omit<DeletionRequestView, 'obligations'> & {
  obligations: DeletionObligationNode[];
};

/**
 * The holders of every obligation of these requests, in one DataLoader call for the whole
 * page: a field resolver per obligation ran the guard and a promise for each of thousands.
 */
async function withVendors(
  loaders: RequestLoaders,
  views: readonly DeletionRequestView[],
): Promise<DeletionRequestWithVendors[]> {
  const ids = [...new Set(views.flatMap((v) => v.obligations.map((o) => o.vendorId)))];
  const vendors = new Map<string, VendorView>();
  await Promise.all(ids.map(async (id) => vendors.set(id, await vendorOf(loaders, id))));
  return views.map((v) => ({
    ...v,
    obligations: v.obligations.map((o) => ({
      ...o,
      vendor: vendors.get(o.vendorId) as VendorView,
    })),
  }));
}

@Resolver(() => DeletionRequestType)
export class DeletionRequestResolver {
  constructor(private readonly rights: PatientRightsReadService) {}

  @AnyRole()
  @Query(() => DeletionRequestType, {
    nullable: true,
    description:
      'A deletion request as of asOf (default: now); null when it had not been made yet. Recorded in the access log.',
  })
  async deletionRequest(
    @Args('requestId') requestId: string,
    @Args('asOf', { type: () => DateTimeScalar, nullable: true }) asOf: Date | null,
    @CurrentViewer() viewer: Viewer,
    @Loaders() loaders: RequestLoaders,
  ): Promise<DeletionRequestWithVendors | null> {
    const view = await this.rights.deletionRequest(viewer, requestId, asOf);
    return view === null ? null : (await withVendors(loaders, [view]))[0];
  }

  @AnyRole()
  @Query(() => DeletionRequestConnection, {
    description: 'Deletion requests made by asOf (default: now), oldest first; status as of asOf.',
  })
  async deletionRequests(
    @Args('status', { type: () => DeletionStatus, nullable: true }) status: DeletionStatus | null,
    @Args('asOf', { type: () => DateTimeScalar, nullable: true }) asOf: Date | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('vendorId', {
      type: () => String,
      nullable: true,
      description:
        "Only requests with an obligation of this vendor, with only its obligations and a status over them (a vendor token: only its own id; status filters that vendor's status).",
    })
    vendorId: string | null,
    @Args('orderBy', {
      type: () => DeletionRequestOrder,
      nullable: true,
      description:
        'REQUESTED_AT (default) or DUE_DATE: the open and overdue requests by due date (status: OPEN or OVERDUE only).',
    })
    orderBy: DeletionRequestOrder | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<DeletionRequestNode>> {
    // The nodes come with their obligations' holders (kept per ledger size by the service).
    return this.rights.deletionRequests(viewer, {
      status,
      asOf,
      first,
      after,
      vendorId,
      orderBy,
    });
  }

  @AnyRole()
  @Query(() => [VendorDeletionObligationsType], {
    description:
      'Deletion obligations per vendor by status as of asOf (default: now), over every request made by then; most overdue first, then most open. A vendor token reads only its own line.',
  })
  async deletionObligationsByVendor(
    @Args('asOf', { type: () => DateTimeScalar, nullable: true }) asOf: Date | null,
    @CurrentViewer() viewer: Viewer,
    @Loaders() loaders: RequestLoaders,
  ): Promise<VendorDeletionObligationsType[]> {
    const lines = await this.rights.obligationsByVendor(viewer, asOf);
    return Promise.all(
      lines.map(async ({ vendorId, counts }) => ({
        vendor: await vendorOf(loaders, vendorId),
        overdue: counts.OVERDUE,
        open: counts.OPEN,
        fulfilled: counts.FULFILLED,
        exempt: counts.EXEMPT,
      })),
    );
  }
}

@Resolver(() => BreachImpactType)
export class BreachImpactResolver {
  constructor(private readonly rights: PatientRightsReadService) {}

  @AnyRole()
  @Query(() => BreachImpactType, { nullable: true, description: 'Null when no such breach.' })
  breachImpact(
    @Args('breachId') breachId: string,
    @CurrentViewer() viewer: Viewer,
  ): Promise<BreachImpactView | null> {
    return this.rights.breachImpact(viewer, breachId);
  }

  @AnyRole()
  @Query(() => BreachImpactConnection, { description: 'Breach reports in breachId order.' })
  async breaches(
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<Promise<BreachImpactView>>> {
    const page = await this.rights.breachPage(viewer, { first, after });
    return {
      // Read only when a query selects `node`: a breach is evaluated only when asked for.
      edges: page.edges.map(({ cursor, node }) => ({
        cursor,
        get node(): Promise<BreachImpactView> {
          return node();
        },
      })),
      pageInfo: page.pageInfo,
      get totalCount(): number | Promise<number> {
        return page.totalCount;
      },
    };
  }

  @AnyRole()
  @ResolveField(() => VendorType, { description: 'The vendor whose systems were breached.' })
  vendor(
    @Parent() breach: BreachImpactView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<VendorView> {
    return vendorOf(loaders, breach.vendorId);
  }

  @AnyRole()
  @ResolveField(() => BreachAffectedConnection, { description: 'Affected studies by uid.' })
  affected(
    @Parent() breach: BreachImpactView,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<BreachAffectedView>> {
    return this.rights.breachAffected(viewer, breach, { first, after });
  }
}
