import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import { FindingCode } from '../findings/finding.types';
import { CurrentViewer } from '../graphql/graphql-context';
import {
  FindingCountsService,
  MAX_LAST_MONTHS,
  type CodeFindingCount,
  type FindingMonthCount,
  type VendorFindingCount,
} from './finding-counts.service';
import {
  CodeFindingCountType,
  FindingMonthCountType,
  VendorFindingCountType,
} from './finding-counts.types';
import { AnyRole } from '../auth/resolver-access';

/** Aggregates for the dashboard's chart and vendor table (beyond CONTRACT.md section 3). */
@Resolver()
export class FindingCountsResolver {
  constructor(private readonly counts: FindingCountsService) {}

  @AnyRole()
  @Query(() => [FindingMonthCountType], {
    description:
      'Findings per month (UTC) and code, in month order; only months with findings. ' +
      'A vendor token counts its own findings; naming another vendor is FORBIDDEN.',
  })
  findingCountsByMonth(
    @Args('vendorId', { type: () => String, nullable: true }) vendorId: string | null,
    @Args('code', { type: () => FindingCode, nullable: true }) code: FindingCode | null,
    @Args('lastMonths', {
      type: () => Int,
      nullable: true,
      description: `Only the last lastMonths months (1 to ${MAX_LAST_MONTHS}), counted back from the latest month with a finding, empty months included.`,
    })
    lastMonths: number | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<FindingMonthCount[]> {
    return this.counts.byMonth(viewer, { vendorId, code, lastMonths });
  }

  @AnyRole()
  @Query(() => [CodeFindingCountType], {
    description:
      'Findings per code over every month; codes without findings are left out. ' +
      'A vendor token counts its own findings; naming another vendor is FORBIDDEN.',
  })
  findingCountsByCode(
    @Args('vendorId', { type: () => String, nullable: true }) vendorId: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<CodeFindingCount[]> {
    return this.counts.byCode(viewer, { vendorId });
  }

  @AnyRole()
  @Query(() => [VendorFindingCountType], {
    description:
      'Findings per vendor and code for up to 500 vendors; codes without findings are left out.',
  })
  findingCountsByVendor(
    @Args('vendorIds', { type: () => [String] }) vendorIds: string[],
    @CurrentViewer() viewer: Viewer,
  ): Promise<VendorFindingCount[]> {
    return this.counts.byVendor(viewer, vendorIds);
  }
}
