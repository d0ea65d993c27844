import { Field, Int, ObjectType } from '@nestjs/graphql';
import { FIELD_COST } from '../graphql/query-cost';

@ObjectType('LedgerState')
export class LedgerStateType {
  @Field(() => Int)
  treeSize!: number;

  @Field({ description: 'RFC 9162 root hash of the whole log, standard base64.' })
  rootHash!: string;

  @Field({
    description: 'A C2SP signed note of a checkpoint for exactly this tree size.',
    complexity: FIELD_COST.databaseRead,
  })
  checkpoint!: string;
}

@ObjectType('LedgerEntry')
export class LedgerEntryType {
  @Field(() => Int)
  sequence!: number;

  @Field({ description: 'The RFC 8785 canonical JSON that the leaf hash covers.' })
  leafData!: string;

  @Field()
  leafHash!: string;

  @Field()
  chainHash!: string;
}
