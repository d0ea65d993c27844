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

@ObjectType('DuplicateConflict', {
  description:
    'A message dropped because its event (source, id) was already recorded with other content: an attempt to rewrite a recorded event. The entry recorded stays; the refused bytes are not kept, only their SHA-256.',
})
export class DuplicateConflictType {
  @Field()
  topic!: string;

  @Field(() => Int)
  partition!: number;

  @Field()
  offset!: string;

  @Field({ description: 'The event source, as the ledger stores it.' })
  source!: string;

  @Field({
    description:
      'The event id, as the ledger stores it (the pseudonym of a patient identifier used as the id).',
  })
  eventId!: string;

  @Field({ description: 'The type the refused copy gave.' })
  eventType!: string;

  @Field({ description: 'The time the refused copy claimed, as sent.' })
  eventTime!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      'The ledger sequence of the entry recorded under that (source, id), which stays; null when the copy kept was an earlier message of the same batch that was not recorded either.',
  })
  recordedSequence!: number | null;

  @Field({ description: 'SHA-256 of the refused message value as received, hex.' })
  payloadDigest!: string;

  @Field(() => DateTimeScalar, { description: 'When the ingest refused it.' })
  detectedAt!: Date;
}

export const DuplicateConflictConnection = connectionType(
  'DuplicateConflict',
  DuplicateConflictType,
);
