import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { connectionType } from '../graphql/connection.types';
import { DateTimeScalar } from '../graphql/date-time.scalar';

export enum IngestGapKindEnum {
  MESSAGES_LOST = 'MESSAGES_LOST',
  POSITION_RESET = 'POSITION_RESET',
}

registerEnumType(IngestGapKindEnum, {
  name: 'IngestGapKind',
  description: 'What the ingest found when Kafka no longer held what it had not read yet.',
  valuesMap: {
    MESSAGES_LOST: {
      description:
        'Messages deleted in Kafka before the ingest read them (retention shorter than it was behind, or records deleted by an operator): they are not in the ledger. Have their producer re-send them: their event ids make a re-send harmless.',
    },
    POSITION_RESET: {
      description:
        'The log was not the one read (the topic deleted and created again, or its log truncated): the partition was read again from its earliest offset; what was recorded before came back as duplicates.',
    },
  },
});

@ObjectType('IngestGap', {
  description:
    'One move of a stored partition position because Kafka no longer held what it said, kept by the ingest for good (once, in the transaction that moved the position).',
})
export class IngestGapType {
  @Field(() => IngestGapKindEnum)
  kind!: IngestGapKindEnum;

  @Field({
    description:
      'deleted_unread (MESSAGES_LOST), log_end_before_position (the stored position past the log end) or record_changed (another record before the stored position).',
  })
  cause!: string;

  @Field()
  topic!: string;

  @Field(() => Int)
  partition!: number;

  @Field({
    description: 'The stored position moved from; for MESSAGES_LOST the first offset lost.',
  })
  fromOffset!: string;

  @Field({
    description:
      'Where reading went on (the log’s earliest offset); for MESSAGES_LOST the offsets fromOffset to toOffset - 1 are missing from the ledger.',
  })
  toOffset!: string;

  @Field(() => Float, {
    description: 'Messages lost (toOffset - fromOffset) for MESSAGES_LOST; 0 for POSITION_RESET.',
  })
  count!: number;

  @Field({ description: 'The log’s earliest offset when the ingest asked.' })
  earliestOffset!: string;

  @Field({ description: 'The log’s high watermark when the ingest asked.' })
  highWatermark!: string;

  @Field({ description: 'The ingest’s Kafka consumer group (KAFKA_GROUP_ID).' })
  consumerGroup!: string;

  @Field(() => DateTimeScalar, { description: 'When the ingest noticed it.' })
  noticedAt!: Date;
}

export const IngestGapConnection = connectionType('IngestGap', IngestGapType);
