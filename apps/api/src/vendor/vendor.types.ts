import { Field, ObjectType } from '@nestjs/graphql';
import { connectionType } from '../graphql/connection.types';

@ObjectType('Vendor', {
  description:
    'A recipient of studies. One never registered shows its id as name, no address and role OTHER (CONTRACT v1.1).',
})
export class VendorType {
  @Field()
  vendorId!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  address!: string | null;

  @Field()
  role!: string;
}

export const VendorConnection = connectionType('Vendor', VendorType);
