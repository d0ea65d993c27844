import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Settings } from '@scantrail/config';
import { DEFAULT_PAGE_SIZE } from '@scantrail/queries';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { viewerOf } from '../auth/request-viewer';
import { DateTimeScalar } from './date-time.scalar';
import type { GraphqlContext } from './graphql-context';
import { formatGraphQLError } from './graphql-errors';
import { compiledQueryPlugin } from './compiled-query.plugin';
import type { FindingsAnswerCache } from './findings-answer-cache';
import { findingsAnswerCachePlugin } from './findings-answer-cache.plugin';
import type { DocumentLimits } from './document-limits';
import { FIELD_COST } from './query-cost';
import { queryLimitsPlugin } from './query-limits.plugin';
import { queryDepthRule } from './query-depth.rule';
import type { RequestLoadersFactory } from './request-loaders';

/** Deepest nesting of object fields an operation may ask for. */
export const MAX_QUERY_DEPTH = 10;
/** Highest estimated cost (see operationCost): about 500 database reads, or 50k plain fields. */
export const MAX_QUERY_COST = 50_000;
/** Most aliased fields per operation: the dashboard uses none, tests and scripts a handful. */
export const MAX_ALIASES = 30;
/** Most root fields per operation (each reads the database). */
export const MAX_ROOT_FIELDS = 20;
/**
 * Most times one field may appear in one selection set (fragments expanded): copies without
 * aliases pass MAX_ALIASES but graphql-js still compares them pairwise while validating.
 */
export const MAX_FIELD_REPEATS = 100;
/**
 * Most lexical tokens a document may have: scanning stops there, so a huge document costs
 * little (the largest dashboard query has a few hundred; 30 aliases of a large selection
 * stay well under it).
 */
export const MAX_DOCUMENT_TOKENS = 10_000;

/** What DocumentPreflightMiddleware holds every document to, before Apollo sees it. */
export const DOCUMENT_LIMITS: DocumentLimits = {
  maxTokens: MAX_DOCUMENT_TOKENS,
  maxAliases: MAX_ALIASES,
  maxRootFields: MAX_ROOT_FIELDS,
  maxFieldRepeats: MAX_FIELD_REPEATS,
};

/** How the code-first schema is built: by the API, and by api-schema.ts for schema.graphql. */
export const SCHEMA_BUILD_OPTIONS = {
  scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
} satisfies ApolloDriverConfig['buildSchemaOptions'];

/**
 * Apollo settings: code-first schema, limits, one error mapping, loaders per request,
 * `findings` answers kept by findings generation (findingsAnswerCachePlugin, whose kept
 * texts stringifyResult sends), recurring queries run compiled (compiledQueryPlugin,
 * formatting its errors with the same formatError).
 * Introspection and field suggestions only when NODE_ENV=development; no landing page at all (GraphiQL and
 * Apollo's pages load scripts from third-party CDNs).
 */
export function graphqlOptions(
  loaders: RequestLoadersFactory,
  logger: Logger,
  settings: Settings,
  answers: FindingsAnswerCache,
): ApolloDriverConfig {
  const formatError = formatGraphQLError(logger);
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    introspection: settings.development,
    // Without introspection, "Did you mean ...?" in a validation error would still spell out
    // the schema's field and type names, one guess at a time.
    hideSchemaDetailsFromClientErrors: !settings.development,
    playground: false,
    graphiql: false,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: MAX_DOCUMENT_TOKENS },
    // Guards on every field resolver too: each declares its access rule (auth/resolver-access.ts).
    fieldResolverEnhancers: ['guards', 'filters'],
    buildSchemaOptions: SCHEMA_BUILD_OPTIONS,
    validationRules: [queryDepthRule(MAX_QUERY_DEPTH)],
    plugins: [
      // Answers are per token: the bearer middleware's `private, no-store` must stand, and
      // no field carries a cache hint. Apollo's default cache-control plugin would wrap every
      // field resolver to collect hints (willResolveField) for nothing.
      ApolloServerPluginCacheControlDisabled(),
      queryLimitsPlugin({
        maxCost: MAX_QUERY_COST,
        cost: {
          defaultPageSize: DEFAULT_PAGE_SIZE,
          listSize: 10,
          rootFieldCost: FIELD_COST.databaseRead,
        },
      }),
      // Before compiledQueryPlugin: a kept answer is served instead of any execution.
      findingsAnswerCachePlugin(answers),
      compiledQueryPlugin(formatError),
    ],
    stringifyResult: (value) => answers.stringify(value),
    formatError,
    context: ({ req }: { req: Request }): GraphqlContext => {
      const viewer = viewerOf(req);
      return { req, viewer, loaders: loaders.create(viewer) };
    },
  };
}
