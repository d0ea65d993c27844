import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { AccessLogEntry, Viewer } from '@scantrail/access';
import type { Page } from '@scantrail/queries';
import { CurrentViewer } from '../graphql/graphql-context';
import { AccessLogQueryService } from './access-log-query.service';
import { AccessLogConnection } from './access-log.types';
import { Requires } from '../auth/resolver-access';

@Resolver()
export class AccessLogResolver {
  constructor(private readonly accessLogQueries: AccessLogQueryService) {}

  @Requires('access-log')
  @Query(() => AccessLogConnection, {
    description: 'Who looked at which patient, oldest first. privacy_officer only.',
  })
  accessLog(
    @Args('first', { type: () => Int, nullable: true }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<Page<AccessLogEntry>> {
    return this.accessLogQueries.page(viewer, { first, after });
  }
}
