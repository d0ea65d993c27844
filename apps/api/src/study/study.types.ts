import { Field, Int, ObjectType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/date-time.scalar';

@ObjectType('Study', {
  description:
    'An imaging study; a derivative shows the modality, body part and date of its original.',
})
export class StudyType {
  @Field()
  studyInstanceUid!: string;

  @Field()
  modality!: string;

  @Field(() => String, { nullable: true })
  bodyPart!: string | null;

  @Field(() => String, { nullable: true })
  studyDate!: string | null;

  @Field(() => [String], { description: "A derivative's own de-identification method codes." })
  methodCodes!: string[];
}

@ObjectType('Disclosure', {
  description: 'One disclosure of one study (a dataset disclosure: per member).',
})
export class DisclosureType {
  @Field()
  disclosureId!: string;

  @Field(() => DateTimeScalar)
  occurredAt!: Date;

  @Field()
  purpose!: string;

  @Field()
  legalBasis!: string;

  @Field()
  studyInstanceUid!: string;

  @Field(() => String, { nullable: true })
  datasetId!: string | null;

  @Field()
  eventId!: string;

  @Field(() => Int)
  ledgerSequence!: number;
}
