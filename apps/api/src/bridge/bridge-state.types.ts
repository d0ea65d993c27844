import { Field, Int, ObjectType } from '@nestjs/graphql';
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
  description: 'What Orthanc bridges hold (privacy officers, auditors).',
})
export class BridgeStateType {
  @Field(() => Int)
  heldSends!: number;

  @Field(() => Int)
  heldStudies!: number;

  @Field(() => [BridgeHeldItemType], { description: 'Oldest first, at most 500.' })
  held!: BridgeHeldItemType[];
}
