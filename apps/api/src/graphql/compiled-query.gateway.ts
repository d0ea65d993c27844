import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import {
  execute,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type Source,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;
type GatewayRequest = Parameters<GatewayExecutor>[0];

/** How many times graphql-js runs an operation before it is compiled (one-off documents never are). */
export const RUNS_BEFORE_COMPILING = 2;

interface OperationPlan {
  runs: number;
  /** Undefined until compiled; null when graphql-jit cannot compile it (graphql-js keeps it). */
  compiled?: CompiledQuery | null;
}

/** Root fields graphql-jit is not trusted with: introspection stays with graphql-js. */
function asksIntrospection(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.some(
    (s) => s.kind === Kind.FIELD && (s.name.value === '__schema' || s.name.value === '__type'),
  );
}

/** The offset in the source of a graphql-jit location (line and column, both from 1). */
function positionOf(body: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = body.indexOf('\n', offset);
    if (next < 0) break;
    offset = next + 1;
  }
  return offset + column - 1;
}

/**
 * graphql-jit's error as the one graphql-js's locatedError would have made: a real
 * GraphQLError (Apollo and formatGraphQLError read its `extensions` and `originalError`),
 * the same message, locations, path, and extensions taken from the error a resolver threw.
 */
export function asGraphQLJsError(error: GraphQLError, source: Source | undefined): GraphQLError {
  const located = error as GraphQLError & { originalError?: Error | null };
  const original = located.originalError ?? undefined;
  const positions =
    source === undefined
      ? undefined
      : (error.locations ?? []).map((l) => positionOf(source.body, l.line, l.column));
  return new GraphQLError(error.message, {
    source: positions === undefined || positions.length === 0 ? undefined : source,
    positions: positions === undefined || positions.length === 0 ? undefined : positions,
    path: error.path,
    originalError: original,
    extensions: original === undefined ? error.extensions : undefined,
  });
}

/** graphql-js's response shape: `errors` first, and only when there are some. */
function response(
  data: ExecutionResult['data'],
  errors: readonly GraphQLError[] | undefined,
): ExecutionResult {
  return errors === undefined || errors.length === 0 ? { data } : { errors, data };
}

/**
 * Apollo Server's seam for another executor (its gateway interface), used to run query
 * operations compiled by graphql-jit once graphql-js has run them RUNS_BEFORE_COMPILING
 * times: per request graphql-js spends about a tenth of a 50-row page's CPU in
 * `getArgumentValues`, `executeFields` and a resolve info per field. Everything before
 * execution is Apollo's as without it (parsing, validation, depth and cost limits, the
 * plugins' hooks), and so is everything after (error formatting, JSON). The schema is the
 * one Nest built, so guards, field rules, DataLoaders and scalars run as they do under
 * graphql-js. Variables are coerced by
 * graphql-js first, so a refused variable gives its errors word for word; mutations,
 * subscriptions and introspection run on graphql-js.
 */
export class CompiledQueryGateway implements Gateway {
  private readonly plans = new WeakMap<OperationDefinitionNode, OperationPlan>();

  /**
   * `schema`: the schema Nest built and gives Apollo (GraphQLSchemaHost's, set before
   * Apollo starts), read when Apollo loads the gateway.
   */
  constructor(private readonly schema: () => GraphQLSchema) {}

  onSchemaLoadOrUpdate(
    callback: Parameters<Gateway['onSchemaLoadOrUpdate']>[0],
  ): ReturnType<Gateway['onSchemaLoadOrUpdate']> {
    callback({ apiSchema: this.schema(), coreSupergraphSdl: '' });
    return () => undefined;
  }

  load(): ReturnType<Gateway['load']> {
    return Promise.resolve({ executor: (request) => this.execute(request) });
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Runs one operation as Apollo's own executor would, compiled when it has recurred. */
  async execute(request: GatewayRequest): Promise<ExecutionResult> {
    const { schema, document, context } = request;
    // Undefined when Apollo found no operation to run (several, none named): graphql-js says why.
    const operation = request.operation as OperationDefinitionNode | undefined;
    const variables = request.request.variables;
    const compiled =
      operation === undefined ? undefined : this.compiledFor(schema, document, operation);
    if (operation === undefined || compiled === undefined) {
      return execute({
        schema,
        document,
        contextValue: context,
        variableValues: variables,
        operationName: request.request.operationName,
      });
    }
    const coerced = getVariableValues(
      schema,
      operation.variableDefinitions ?? [],
      variables ?? {},
      {
        maxErrors: 50,
      },
    );
    if (coerced.errors !== undefined) return { errors: coerced.errors };
    const result = await compiled.query(undefined, context, variables);
    const source = document.loc?.source;
    return response(
      result.data,
      result.errors?.map((e) => asGraphQLJsError(e, source)),
    );
  }

  private compiledFor(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
  ): CompiledQuery | undefined {
    if (operation.operation !== OperationTypeNode.QUERY || asksIntrospection(operation))
      return undefined;
    let plan = this.plans.get(operation);
    if (plan === undefined) {
      plan = { runs: 0 };
      this.plans.set(operation, plan);
    }
    if (plan.compiled !== undefined) return plan.compiled ?? undefined;
    plan.runs += 1;
    if (plan.runs <= RUNS_BEFORE_COMPILING) return undefined;
    const compiled = compileQuery(schema, document, operation.name?.value);
    plan.compiled = isCompiledQuery(compiled) ? compiled : null;
    return plan.compiled ?? undefined;
  }
}
