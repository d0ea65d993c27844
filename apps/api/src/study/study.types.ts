import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
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

/** CONTRACT v1.1 section 3. */
export enum InspectionResult {
  PASS = 'PASS',
  FAIL = 'FAIL',
}
registerEnumType(InspectionResult, { name: 'InspectionResult' });

@ObjectType('InspectionIssue', {
  description: 'What an inspector saw in the files: a code, how many instances, which attribute.',
})
export class InspectionIssueType {
  @Field()
  code!: string;

  @Field(() => Int)
  instances!: number;

  @Field(() => String, { nullable: true, description: 'DICOM keyword of the attribute.' })
  keyword!: string | null;

  @Field(() => String, { nullable: true, description: 'GGGG,EEEE' })
  tag!: string | null;
}

@ObjectType('Inspection', {
  description: "A reading of a study's DICOM files (deidentification.inspected); never a value.",
})
export class InspectionType {
  @Field()
  inspectionId!: string;

  @Field(() => DateTimeScalar)
  occurredAt!: Date;

  @Field({ description: '"<name> <version>" of the inspector.' })
  tool!: string;

  @Field(() => Int)
  instances!: number;

  @Field(() => InspectionResult)
  result!: string;

  @Field(() => [InspectionIssueType])
  issues!: InspectionIssueType[];

  @Field(() => [String])
  methodCodesFound!: string[];

  @Field(() => Int)
  ledgerSequence!: number;
}
