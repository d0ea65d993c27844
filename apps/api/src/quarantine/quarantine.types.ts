import { Field, Int, ObjectType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { connectionType } from '../graphql/connection.types';

@ObjectType('QuarantinedMessage')
export class QuarantinedMessageType {
  @Field()
  topic!: string;

  @Field(() => Int)
  partition!: number;

  @Field()
  offset!: string;

  @Field()
  reason!: string;

  @Field(() => DateTimeScalar)
  receivedAt!: Date;

  @Field({
    description: 'The message value as received, standard base64 (empty for a null value).',
  })
  rawBase64!: string;
}

export const QuarantineConnection = connectionType('Quarantine', QuarantinedMessageType);
