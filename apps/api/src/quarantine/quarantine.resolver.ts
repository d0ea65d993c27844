import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import type { Page } from '@scantrail/queries';
import { CurrentViewer } from '../graphql/graphql-context';
import { QuarantineQueryService, type QuarantinedMessageView } from './quarantine-query.service';
import { DuplicateConflictConnection, QuarantineConnection } from './quarantine.types';
import {
  DuplicateConflictsService,
  type DuplicateConflictView,
} from './duplicate-conflicts.service';
import { Requires } from '../auth/resolver-access';

@Resolver()
export class QuarantineResolver {
  constructor(
    private readonly quarantineQueries: QuarantineQueryService,
    private readonly conflicts: DuplicateConflictsService,
  ) {}

  @Requires('quarantine')
  @Query(() => QuarantineConnection, {
    description:
      'Refused messages, oldest first (not for vendors). A page ends early, with at least one message, once their raw bytes would pass API_QUARANTINE_PAGE_BYTES: follow pageInfo, not the count asked for.',
  })
  quarantine(
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<QuarantinedMessageView>> {
    return this.quarantineQueries.page(viewer, { first, after });
  }

  @Requires('quarantine')
  @Query(() => DuplicateConflictConnection, {
    description:
      'Messages dropped because their event (source, id) was already recorded with other content (re-used event ids: attempts to rewrite history), oldest first; not for vendors.',
  })
  duplicateConflicts(
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<DuplicateConflictView>> {
    return this.conflicts.page(viewer, { first, after });
  }
}
