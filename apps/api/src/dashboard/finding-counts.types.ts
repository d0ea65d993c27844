import { Field, Int, ObjectType } from '@nestjs/graphql';
import { FindingCode } from '../findings/finding.types';

@ObjectType('FindingMonthCount', {
  description: 'How many findings of one code occurred in one month (UTC).',
})
export class FindingMonthCountType {
  @Field({ description: 'YYYY-MM of occurredAt, in UTC.' })
  month!: string;

  @Field(() => FindingCode)
  code!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('CodeFindingCount', { description: 'How many findings of one code there are.' })
export class CodeFindingCountType {
  @Field(() => FindingCode)
  code!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('VendorFindingCount', { description: 'How many findings of one code name a vendor.' })
export class VendorFindingCountType {
  @Field()
  vendorId!: string;

  @Field(() => FindingCode)
  code!: string;

  @Field(() => Int)
  count!: number;
}
