import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';

@ObjectType('PageInfo')
export class PageInfoType {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/**
 * A Relay connection type `<Name>Connection { edges { cursor node } pageInfo totalCount }`
 * over `node`; the value resolved is a Page<T> from @scantrail/queries. `nodeCost`: the
 * query cost of each node when resolving one does work of its own (see FIELD_COST).
 */
export function connectionType<T>(
  name: string,
  node: Type<T>,
  options: { nodeCost?: number } = {},
): Type<unknown> {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor!: string;

    @Field(() => node, { complexity: options.nodeCost })
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfoType)
    pageInfo!: PageInfoType;

    @Field(() => Int, {
      description: 'Items in the whole list (all pages), as the viewer may see it.',
    })
    totalCount!: number | Promise<number>;
  }
  return ConnectionType;
}
