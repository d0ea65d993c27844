import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import type { Page } from '@scantrail/queries';
import { Requires } from '../auth/resolver-access';
import { CurrentViewer } from '../graphql/graphql-context';
import { IngestGapsQueryService, type IngestGapView } from './ingest-gaps-query.service';
import { IngestGapConnection, IngestGapKindEnum } from './ingest-gaps.types';

@Resolver()
export class IngestGapsResolver {
  constructor(private readonly gaps: IngestGapsQueryService) {}

  @Requires('quarantine')
  @Query(() => IngestGapConnection, {
    description:
      'What Kafka no longer held when the ingest came to read it: messages lost to the ledger (MESSAGES_LOST) and partitions read again from their start (POSITION_RESET), newest first, of one kind when given; not for vendors.',
  })
  ingestGaps(
    @Args('kind', { type: () => IngestGapKindEnum, nullable: true })
    kind: IngestGapKindEnum | null,
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<IngestGapView>> {
    return this.gaps.page(viewer, { kind, first, after });
  }
}
