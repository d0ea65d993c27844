import { Field, ObjectType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { connectionType } from '../graphql/connection.types';

@ObjectType('AccessLogEntry', { description: 'Who looked at which patient, and when.' })
export class AccessLogEntryType {
  @Field(() => DateTimeScalar)
  at!: Date;

  @Field()
  actor!: string;

  @Field(() => [String])
  roles!: string[];

  @Field()
  operation!: string;

  @Field()
  patientPseudonym!: string;
}

export const AccessLogConnection = connectionType('AccessLog', AccessLogEntryType);
