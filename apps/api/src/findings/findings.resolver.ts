import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import { FindingsReadService, type FindingView, type Page } from '@scantrail/queries';
import { CurrentViewer } from '../graphql/graphql-context';
import { FindingCode, FindingConnection, FindingType } from './finding.types';
import { AnyRole } from '../auth/resolver-access';

@Resolver(() => FindingType)
export class FindingsResolver {
  constructor(private readonly findingsService: FindingsReadService) {}

  @AnyRole()
  @Query(() => FindingConnection, {
    description: 'In (ledgerSequence, studyInstanceUid, code) order.',
  })
  findings(
    @Args('code', { type: () => FindingCode, nullable: true }) code: FindingCode | null,
    @Args('vendorId', { type: () => String, nullable: true }) vendorId: string | null,
    @Args('studyInstanceUid', { type: () => String, nullable: true })
    studyInstanceUid: string | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<FindingView>> {
    return this.findingsService.page(
      viewer,
      { code, vendorId, studyInstanceUid },
      { first, after },
    );
  }
}
