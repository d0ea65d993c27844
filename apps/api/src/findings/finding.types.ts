import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { connectionType } from '../graphql/connection.types';

/** CONTRACT.md section 2; the values are the names, as rm_findings stores them. */
export enum FindingCode {
  NO_AGREEMENT = 'NO_AGREEMENT',
  NO_CONSENT = 'NO_CONSENT',
  CONSENT_REVOKED = 'CONSENT_REVOKED',
  CONSENT_EXPIRED = 'CONSENT_EXPIRED',
  PATIENT_OBJECTED = 'PATIENT_OBJECTED',
  NOT_DEIDENTIFIED = 'NOT_DEIDENTIFIED',
  FACE_NOT_REMOVED = 'FACE_NOT_REMOVED',
  UNAUTHORIZED_ONWARD_TRANSFER = 'UNAUTHORIZED_ONWARD_TRANSFER',
  RETAINED_AFTER_REVOCATION = 'RETAINED_AFTER_REVOCATION',
  DEIDENTIFICATION_FAILED = 'DEIDENTIFICATION_FAILED',
  PATIENT_IDENTIFIABLE = 'PATIENT_IDENTIFIABLE',
}
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
