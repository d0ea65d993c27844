import { Args, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import { TraceService, type LineageView } from '@scantrail/queries';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { CurrentViewer } from '../graphql/graphql-context';
import { LineageType } from './lineage.types';
import { AnyRole } from '../auth/resolver-access';

@Resolver(() => LineageType)
export class TraceResolver {
  constructor(private readonly traces: TraceService) {}

  @AnyRole()
  @Query(() => LineageType, {
    description:
      'Every place the study (and its derivatives) reached. With asOf: as it stood then (edges with occurredAt <= asOf). Empty for an unknown study.',
  })
  trace(
    @Args('studyInstanceUid') studyInstanceUid: string,
    @Args('asOf', { type: () => DateTimeScalar, nullable: true }) asOf: Date | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<LineageView> {
    return this.traces.trace(viewer, studyInstanceUid, asOf);
  }
}
