import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { connectionType } from '../graphql/connection.types';

export enum QuarantineRawFormEnum {
  AS_RECEIVED = 'AS_RECEIVED',
  REDACTED_JSON = 'REDACTED_JSON',
  WITHHELD = 'WITHHELD',
}

registerEnumType(QuarantineRawFormEnum, {
  name: 'QuarantineRawForm',
  description: 'What rawBase64 holds for the viewer.',
  valuesMap: {
    AS_RECEIVED: { description: 'The message value exactly as received (privacy officers).' },
    REDACTED_JSON: {
      description:
        'The message parsed as JSON, every patient value replaced by "[redacted]", written back as compact UTF-8 JSON (not the bytes received; sha256 is of those).',
    },
    WITHHELD: {
      description:
        'Nothing (rawBase64 is ""): the message does not decode or parse as JSON, so it cannot be redacted and is not shown.',
    },
  },
});

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
    description:
      'Standard base64 of the message as rawForm says: as received for privacy officers; for other roles redacted JSON, or "" when it could not be parsed (see byteLength and sha256).',
  })
  rawBase64!: string;

  @Field(() => QuarantineRawFormEnum)
  rawForm!: QuarantineRawFormEnum;

  @Field(() => String, {
    nullable: true,
    description: 'With REDACTED_JSON: the encoding the message came in (utf-8, utf-16le, ...).',
  })
  rawEncoding!: string | null;

  @Field(() => Int, { description: 'Length of the message value as received, in bytes.' })
  byteLength!: number;

  @Field({ description: 'SHA-256 of the message value as received, hex.' })
  sha256!: string;
}

export const QuarantineConnection = connectionType('Quarantine', QuarantinedMessageType);
