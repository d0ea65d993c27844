import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/date-time.scalar';

@InputType('PatientIdentifierInput', {
  description: 'FHIR Identifier style; never stored in clear.',
})
export class PatientIdentifierInput {
  @Field()
  system!: string;

  @Field()
  value!: string;
}

@ObjectType('AccountingEntry', { description: 'What 45 CFR 164.528(b)(2) asks, and more.' })
export class AccountingEntryType {
  @Field(() => DateTimeScalar)
  date!: Date;

  @Field()
  recipientName!: string;

  @Field(() => String, { nullable: true })
  recipientAddress!: string | null;

  @Field()
  description!: string;

  @Field()
  purpose!: string;

  @Field({ description: 'The disclosure legal basis, or ONWARD_TRANSFER.' })
  legalBasis!: string;

  @Field({ description: 'The disclosure id, or the transfer id of an onward transfer.' })
  disclosureId!: string;

  @Field({ description: 'The study actually disclosed (a derivative, a dataset member).' })
  studyInstanceUid!: string;

  @Field()
  exempt!: boolean;

  @Field(() => Int)
  ledgerSequence!: number;
}

@ObjectType('DisclosureAccounting')
export class DisclosureAccountingType {
  @Field(() => DateTimeScalar)
  from!: Date;

  @Field(() => DateTimeScalar)
  to!: Date;

  @Field(() => [AccountingEntryType])
  entries!: AccountingEntryType[];
}
