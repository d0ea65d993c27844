import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { FEATURE_MODULES } from '../app.module';
import { SCHEMA_BUILD_OPTIONS } from './graphql-options';

// What @Resolver() puts on a resolver class (and @Query, @ResolveField on its methods).
const RESOLVER_KEY = 'graphql:resolver_name';

type Class = abstract new (...args: never[]) => unknown;

/** The resolver classes the feature modules declare: the ones the API serves. */
export function apiResolvers(): Class[] {
  return FEATURE_MODULES.flatMap((module) => {
    const providers = (Reflect.getMetadata('providers', module) ?? []) as unknown[];
    return providers.filter(
      (p): p is Class => typeof p === 'function' && Reflect.hasOwnMetadata(RESOLVER_KEY, p),
    );
  });
}

/**
 * The API's GraphQL schema in SDL, built from the same resolvers and options as the
 * running API, without a database: the source of apps/api/schema.graphql, from which the
 * dashboard's types are generated (npm run codegen).
 */
export async function printApiSchema(): Promise<string> {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  try {
    await app.init();
    const schema = await app.get(GraphQLSchemaFactory).create(apiResolvers(), SCHEMA_BUILD_OPTIONS);
    return `${printSchema(lexicographicSortSchema(schema))}\n`;
  } finally {
    await app.close();
  }
}
