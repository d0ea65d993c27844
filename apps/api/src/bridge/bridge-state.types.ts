import { Field, Int, ObjectType } from '@nestjs/graphql';
import { connectionType } from '../graphql/connection.types';
import { DateTimeScalar } from '../graphql/date-time.scalar';

@ObjectType('BridgeHeldItem', {
  description:
    'Something the Orthanc bridge keeps instead of publishing: a send to a destination missing from BRIDGE_DESTINATIONS (kind SEND) or a study it will not guess about (kind STUDY).',
})
export class BridgeHeldItemType {
  @Field({ description: 'SEND or STUDY.' })
  kind!: string;

  @Field({ description: 'Why it is held, and so what to fix.' })
  reason!: string;

  @Field()
  studyInstanceUid!: string;

  @Field(() => String, {
    nullable: true,
    description: "SEND: Orthanc's name of the destination (or what the job reported).",
  })
  destination!: string | null;

  @Field(() => String, { nullable: true, description: 'SEND: peer, modality or dicomweb.' })
  destinationKind!: string | null;

  @Field(() => DateTimeScalar, { description: 'When it happened in Orthanc.' })
  occurredAt!: Date;

  @Field(() => DateTimeScalar)
  heldAt!: Date;

  @Field({ description: 'The bridge (its CloudEvents source) that holds it.' })
  source!: string;
}

@ObjectType('BridgeUnrecordedSend', {
  description:
    'A successful send of Orthanc that the bridge could not record as a disclosure: images that left with no ledger entry (or not for all of their studies). Kept once per Orthanc job; record it by hand or send through a way the bridge records.',
})
export class BridgeUnrecordedSendType {
  @Field({
    description:
      "The bridge's key of the Orthanc job (a keyed hash): its log line names the same key beside Orthanc's job id.",
  })
  jobKey!: string;

  @Field({
    description:
      "Why: dicomweb_unnamed (Orthanc's DICOMweb job names neither server nor resources), completion_time (no usable completion time), no_study (none of its resources is still in Orthanc), unreadable (some of its resources could not be read; the others are recorded).",
  })
  reason!: string;

  @Field({ description: "Orthanc's job type, e.g. DicomWebStowClient." })
  jobType!: string;

  @Field({ description: 'peer, modality or dicomweb.' })
  destinationKind!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Orthanc's name of the destination, else what the job reported (URL, AET or server); null when it reported none.",
  })
  destination!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'How many instances Orthanc says the job sent; null when it does not say.',
  })
  instances!: number | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "When the send completed in Orthanc; null when Orthanc's time was unusable.",
  })
  completedAt!: Date | null;

  @Field(() => DateTimeScalar, { description: 'When the bridge noticed it.' })
  noticedAt!: Date;

  @Field({ description: 'The bridge (its CloudEvents source) that noticed it.' })
  source!: string;
}

export const BridgeUnrecordedSendConnection = connectionType(
  'BridgeUnrecordedSend',
  BridgeUnrecordedSendType,
);

@ObjectType('BridgeDestination', {
  description: 'One entry of a bridge destinations file, as the bridge last read it.',
})
export class BridgeDestinationType {
  @Field({ description: 'The name Orthanc knows the destination by.' })
  name!: string;

  @Field()
  vendorId!: string;

  @Field()
  purpose!: string;

  @Field()
  legalBasis!: string;

  @Field(() => String, { nullable: true })
  agreementId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'peer, modality or dicomweb; null while Orthanc does not know the name.',
  })
  orthancKind!: string | null;

  @Field()
  source!: string;
}

@ObjectType('BridgeState', {
  description:
    'What Orthanc bridges hold, and the sends they could not record (privacy officers, auditors).',
})
export class BridgeStateType {
  @Field(() => Int)
  heldSends!: number;

  @Field(() => Int)
  heldStudies!: number;

  @Field(() => [BridgeHeldItemType], { description: 'Oldest first, at most 500.' })
  held!: BridgeHeldItemType[];

  @Field(() => Int, {
    description:
      'How many successful sends the bridges could not record (images that left with no ledger entry).',
  })
  unrecordedSends!: number;

  @Field(() => [BridgeUnrecordedSendType], {
    description:
      'The sends the bridges could not record, newest first, at most 500 (all of them: bridgeUnrecordedSends).',
  })
  unrecorded!: BridgeUnrecordedSendType[];
}
