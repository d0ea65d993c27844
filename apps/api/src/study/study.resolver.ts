import { Args, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { DisclosureView, FindingView, InspectionView, StudyView } from '@scantrail/queries';
import { Loaders } from '../graphql/graphql-context';
import type { RequestLoaders } from '../graphql/request-loaders';
import { FindingType } from '../findings/finding.types';
import { DisclosureType, InspectionType, StudyType } from './study.types';
import { FIELD_COST } from '../graphql/query-cost';
import { AnyRole } from '../auth/resolver-access';

@Resolver(() => StudyType)
export class StudyResolver {
  @AnyRole()
  @Query(() => StudyType, {
    nullable: true,
    description:
      'A registered study or a derivative; null when unknown (or, for a vendor, not received by it).',
  })
  study(
    @Args('studyInstanceUid') studyInstanceUid: string,
    @Loaders() loaders: RequestLoaders,
  ): Promise<StudyView | null> {
    return loaders.studies.load(studyInstanceUid);
  }

  @AnyRole()
  @ResolveField(() => StudyType, { complexity: FIELD_COST.batchedRead, nullable: true })
  derivedFrom(
    @Parent() study: StudyView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<StudyView | null> {
    return study.derivedFrom === null
      ? Promise.resolve(null)
      : loaders.studies.load(study.derivedFrom);
  }

  @AnyRole()
  @ResolveField(() => [StudyType], { complexity: FIELD_COST.batchedRead })
  derivatives(
    @Parent() study: StudyView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<StudyView[]> {
    return loaders.derivatives.load(study.studyInstanceUid);
  }

  @AnyRole()
  @ResolveField(() => [DisclosureType], {
    complexity: FIELD_COST.batchedRead,
    description:
      'Disclosures of exactly this study: direct, or through a dataset holding it at the time.',
  })
  disclosures(
    @Parent() study: StudyView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<DisclosureView[]> {
    return loaders.studyDisclosures.load(study.studyInstanceUid);
  }

  // The parent study is already scoped to the viewer (a vendor sees only studies it received).
  @AnyRole()
  @ResolveField(() => [InspectionType], {
    description:
      "Inspections of this study's files, by time, oldest first (ties: ledger sequence).",
    complexity: FIELD_COST.batchedRead,
  })
  inspections(
    @Parent() study: StudyView,
    @Loaders() loaders: RequestLoaders,
  ): Promise<InspectionView[]> {
    return loaders.studyInspections.load(study.studyInstanceUid);
  }

  @AnyRole()
  @ResolveField(() => [FindingType], { complexity: FIELD_COST.batchedRead })
  findings(@Parent() study: StudyView, @Loaders() loaders: RequestLoaders): Promise<FindingView[]> {
    return loaders.studyFindings.load(study.studyInstanceUid);
  }
}
