import { Field, ObjectType } from '@nestjs/graphql';
import { connectionType } from '../graphql/connection.types';

@ObjectType('Vendor', {
  description:
    'A recipient of studies. One never registered shows its id as name and role UNREGISTERED.',
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
