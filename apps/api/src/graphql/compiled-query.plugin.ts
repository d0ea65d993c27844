import {
  HeaderMap,
  type ApolloServerPlugin,
  type BaseContext,
  type GraphQLRequestContextResponseForOperation,
  type GraphQLResponse,
} from '@apollo/server';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type Source,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** How many times graphql-js runs an operation before it is compiled (one-off documents never are). */
export const RUNS_BEFORE_COMPILING = 2;

/** Apollo's `formatError` option, the one given to the server. */
export type FormatError = (
  formatted: GraphQLFormattedError,
  error: unknown,
) => GraphQLFormattedError;

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
 * GraphQLError (formatGraphQLError reads its `extensions` and `originalError`), the same
 * message, locations, path, and extensions taken from the error a resolver threw.
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

/**
 * Query operations compiled by graphql-jit once graphql-js has run them
 * RUNS_BEFORE_COMPILING times, keyed by the operation node (Apollo's document cache hands
 * the same node to every request with the same text).
 */
export class CompiledQueries {
  private readonly plans = new WeakMap<OperationDefinitionNode, OperationPlan>();

  constructor(private readonly runsBeforeCompiling = RUNS_BEFORE_COMPILING) {}

  /**
   * The operation's result, compiled, or undefined when graphql-js must run it: not yet
   * recurred, not a query, introspection, not compilable, or variables graphql-js refuses
   * (its refusal, status 400 included, is then Apollo's own, word for word).
   */
  async execute(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    context: unknown,
    variables: Record<string, unknown> | undefined,
  ): Promise<ExecutionResult | undefined> {
    const compiled = this.compiledFor(schema, document, operation);
    if (compiled === undefined) return undefined;
    const coerced = getVariableValues(
      schema,
      operation.variableDefinitions ?? [],
      variables ?? {},
      {
        maxErrors: 50,
      },
    );
    if (coerced.errors !== undefined) return undefined;
    const result = await compiled.query(undefined, context, variables);
    const source = document.loc?.source;
    const errors = result.errors?.map((e) => asGraphQLJsError(e, source));
    // graphql-js's response shape: `errors` first, and only when there are some.
    return errors === undefined || errors.length === 0
      ? { data: result.data }
      : { errors, data: result.data };
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
    if (plan.runs <= this.runsBeforeCompiling) return undefined;
    const compiled = compileQuery(schema, document, operation.name?.value);
    plan.compiled = isCompiledQuery(compiled) ? compiled : null;
    return plan.compiled ?? undefined;
  }
}

function isPartialHead(x: unknown): x is { status?: number; headers?: Map<string, string> } {
  return (
    typeof x === 'object' &&
    x !== null &&
    (!('status' in x) || typeof x.status === 'number') &&
    (!('headers' in x) || x.headers instanceof Map)
  );
}

/**
 * What Apollo Server 5 does with execution errors before it answers (requestPipeline's
 * formatErrors, errorNormalize's normalizeAndFormatErrors without stack traces): each error
 * given to `formatError` with a default code, its `extensions.http` moved to the response's
 * head; a formatter that throws gives Apollo's 'Internal server error'.
 */
export function formatExecutionErrors(
  errors: readonly GraphQLError[],
  formatError: FormatError,
): { formatted: GraphQLFormattedError[]; http: GraphQLResponse['http'] } {
  const http: GraphQLResponse['http'] = { status: undefined, headers: new HeaderMap() };
  const formatted = errors.map((error) => {
    try {
      const extensions: Record<string, unknown> = {
        ...error.extensions,
        code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR',
      };
      if (isPartialHead(extensions.http)) {
        if (extensions.http.status !== undefined) http.status = extensions.http.status;
        for (const [name, value] of extensions.http.headers ?? []) http.headers.set(name, value);
        delete extensions.http;
      }
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { formatted, http };
}

/**
 * Runs recurring query operations compiled by graphql-jit through Apollo Server's
 * `responseForOperation` hook: per request graphql-js spends about a tenth of a 50-row
 * page's CPU in `getArgumentValues`, `executeFields` and a resolve info per field.
 * Apollo's request path is its own before the hook (parsing, validation, depth and cost
 * limits, didResolveOperation) and after it (willSendResponse: Nest's status reset); the
 * schema is the one Apollo executes with, so guards, field rules, DataLoaders and scalars
 * run as under graphql-js. A non-null response replaces Apollo's execution, which would
 * also have run executionDidStart and didEncounterErrors listeners (none in this app: see
 * the spec) and formatted the errors: done here with the server's own `formatError`.
 */
export function compiledQueryPlugin(
  formatError: FormatError,
  queries = new CompiledQueries(),
): ApolloServerPlugin<BaseContext> {
  const responseForOperation = async (
    requestContext: GraphQLRequestContextResponseForOperation<BaseContext>,
  ): Promise<GraphQLResponse | null> => {
    const { schema, document, operation, contextValue, request } = requestContext;
    // No operation resolved (several, none named): graphql-js says why, as Apollo expects.
    if ((operation as OperationDefinitionNode | undefined) === undefined) return null;
    const result = await queries.execute(
      schema,
      document,
      operation,
      contextValue,
      request.variables,
    );
    if (result === undefined) return null;
    if (result.errors === undefined) {
      return {
        http: { status: undefined, headers: new HeaderMap() },
        body: { kind: 'single', singleResult: { data: result.data } },
      };
    }
    // As Apollo's didEncounterErrors records them for willSendResponse listeners.
    Object.assign(requestContext, { errors: result.errors });
    const { formatted, http } = formatExecutionErrors(result.errors, formatError);
    return {
      http,
      body: { kind: 'single', singleResult: { errors: formatted, data: result.data } },
    };
  };
  return {
    requestDidStart() {
      return Promise.resolve({ responseForOperation });
    },
  };
}
