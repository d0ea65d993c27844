import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/date-time.scalar';

export enum LineageNodeKind {
  STUDY = 'STUDY',
  DATASET = 'DATASET',
  VENDOR = 'VENDOR',
  MODEL = 'MODEL',
}
registerEnumType(LineageNodeKind, { name: 'LineageNodeKind' });

export enum LineageEdgeKind {
  DERIVED = 'DERIVED',
  MEMBER_OF = 'MEMBER_OF',
  DISCLOSED = 'DISCLOSED',
  ONWARD_TRANSFER = 'ONWARD_TRANSFER',
  TRAINED = 'TRAINED',
  DELETED = 'DELETED',
}
registerEnumType(LineageEdgeKind, { name: 'LineageEdgeKind' });

@ObjectType('LineageNode')
export class LineageNodeType {
  @Field({ description: 'The studyInstanceUid, datasetId, vendorId or modelId.' })
  id!: string;

  @Field(() => LineageNodeKind)
  kind!: string;

  @Field()
  label!: string;
}

@ObjectType('LineageEdge', { description: 'Points the way the data went.' })
export class LineageEdgeType {
  @Field()
  from!: string;

  @Field()
  to!: string;

  @Field(() => LineageEdgeKind)
  kind!: string;

  @Field(() => DateTimeScalar)
  occurredAt!: Date;

  @Field()
  eventId!: string;

  @Field(() => Int)
  ledgerSequence!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'DISCLOSED: the channel the disclosure names (the Orthanc bridge writes `orthanc-<peer|modality|dicomweb>:<destination>`); null otherwise.',
  })
  channel!: string | null;
}

@ObjectType('Lineage')
export class LineageType {
  @Field(() => [LineageNodeType])
  nodes!: LineageNodeType[];

  @Field(() => [LineageEdgeType])
  edges!: LineageEdgeType[];
}
