import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { connectionType } from '../graphql/connection.types';
import { FINDING_CODES, type FindingCode as FindingCodeName } from '@scantrail/compliance';

/** CONTRACT.md section 2 (@scantrail/compliance FINDING_CODES); values are the names rm_findings stores. */
export const FindingCode = Object.fromEntries(FINDING_CODES.map((code) => [code, code])) as {
  readonly [C in FindingCodeName]: C;
};
export type FindingCode = FindingCodeName;
registerEnumType(FindingCode, { name: 'FindingCode' });

@ObjectType('Finding', {
  description: 'A compliance finding on one disclosed or transferred study.',
})
export class FindingType {
  @Field(() => FindingCode)
  code!: string;

  @Field()
  studyInstanceUid!: string;

  @Field({ description: 'The recipient of a disclosure, or the sender of a transfer.' })
  vendorId!: string;

  @Field({ description: 'The CloudEvent id of the disclosure or transfer.' })
  eventId!: string;

  @Field(() => DateTimeScalar)
  occurredAt!: Date;

  @Field(() => Int)
  ledgerSequence!: number;

  @Field()
  detail!: string;
}

export const FindingConnection = connectionType('Finding', FindingType);
