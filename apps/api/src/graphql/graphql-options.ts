import type { ApolloDriverConfig } from '@nestjs/apollo';
import { DEFAULT_PAGE_SIZE } from '@scantrail/lineage';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { viewerOf } from '../auth/request-viewer';
import { DateTimeScalar } from './date-time.scalar';
import type { GraphqlContext } from './graphql-context';
import { formatGraphQLError } from './graphql-errors';
import { queryCostPlugin } from './query-limits.plugin';
import { queryDepthRule } from './query-depth.rule';
import type { RequestLoadersFactory } from './request-loaders';

/** Deepest nesting of object fields an operation may ask for. */
export const MAX_QUERY_DEPTH = 10;
/** Highest estimated cost (see operationCost): about 50k resolved fields. */
export const MAX_QUERY_COST = 50_000;

/** Apollo settings: code-first schema, limits, one error mapping, loaders per request. */
export function graphqlOptions(loaders: RequestLoadersFactory, logger: Logger): ApolloDriverConfig {
  const production = process.env.NODE_ENV === 'production';
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    introspection: true,
    playground: false,
    graphiql: !production,
    includeStacktraceInErrorResponses: false,
    fieldResolverEnhancers: ['filters'],
    buildSchemaOptions: { scalarsMap: [{ type: Date, scalar: DateTimeScalar }] },
    validationRules: [queryDepthRule(MAX_QUERY_DEPTH)],
    plugins: [
      queryCostPlugin(MAX_QUERY_COST, { defaultPageSize: DEFAULT_PAGE_SIZE, listSize: 10 }),
    ],
    formatError: formatGraphQLError(logger),
    context: ({ req }: { req: Request }): GraphqlContext => {
      const viewer = viewerOf(req);
      return { req, viewer, loaders: loaders.create(viewer) };
    },
  };
}
