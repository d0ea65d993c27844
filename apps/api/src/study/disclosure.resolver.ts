import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import {
  namedOnlyVendor,
  type DisclosureView,
  type FindingView,
  type VendorView,
} from '@scantrail/queries';
import { Loaders } from '../graphql/graphql-context';
import type { RequestLoaders } from '../graphql/request-loaders';
import { FindingType } from '../findings/finding.types';
import { VendorType } from '../vendor/vendor.types';
import { DisclosureType } from './study.types';
import { FIELD_COST } from '../graphql/query-cost';
import { AnyRole } from '../auth/resolver-access';

@Resolver(() => DisclosureType)
export class DisclosureResolver {
  @AnyRole()
  @ResolveField(() => VendorType, { complexity: FIELD_COST.batchedRead })
  async recipient(
    @Parent() disclosure: DisclosureView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<VendorView> {
    const vendor = await loaders.vendors.load(disclosure.recipientVendorId);
    // A recipient is always at least "seen"; the fallback only covers a read racing a rebuild.
    return vendor ?? namedOnlyVendor(disclosure.recipientVendorId);
  }

  @AnyRole()
  @ResolveField(() => [FindingType], { complexity: FIELD_COST.batchedRead })
  findings(
    @Parent() disclosure: DisclosureView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<FindingView[]> {
    return loaders.eventFindings.load({
      ledgerSequence: disclosure.ledgerSequence,
      studyInstanceUid: disclosure.studyInstanceUid,
    });
  }
}
