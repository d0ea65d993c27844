import { Args, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import { DisclosureAccountingService, type DisclosureAccountingView } from '@scantrail/queries';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { CurrentViewer } from '../graphql/graphql-context';
import { DisclosureAccountingType, PatientIdentifierInput } from './disclosure-accounting.types';
import { Requires } from '../auth/resolver-access';

@Resolver(() => DisclosureAccountingType)
export class DisclosureAccountingResolver {
  constructor(private readonly accounting: DisclosureAccountingService) {}

  @Requires('patient-accounting')
  @Query(() => DisclosureAccountingType, {
    description:
      "Every disclosure and onward transfer of the patient's studies (default: the last six years). Recorded in the access log.",
  })
  accountingOfDisclosures(
    @Args('patient', { type: () => PatientIdentifierInput }) patient: PatientIdentifierInput,
    @Args('from', { type: () => DateTimeScalar, nullable: true }) from: Date | null,
    @Args('to', { type: () => DateTimeScalar, nullable: true }) to: Date | null,
    @CurrentViewer() viewer: Viewer,
  ): Promise<DisclosureAccountingView> {
    return this.accounting.accounting(viewer, {
      patient: { system: patient.system, value: patient.value },
      from,
      to,
    });
  }
}
