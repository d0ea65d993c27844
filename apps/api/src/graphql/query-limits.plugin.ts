import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { fragmentsOf, MAX_VARIABLE_DEPTH, variablesRefusal } from './operation-shape';
import { operationCost, type CostSettings } from './query-cost';

export interface QueryLimits {
  /** Highest estimated cost (see operationCost). */
  maxCost: number;
  cost: CostSettings;
}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

/**
 * Refuses, before any resolver runs and once the operation and its variables are known, a
 * NUL in a variable (PostgreSQL text cannot hold one) or an estimated cost over the limit:
 * BAD_USER_INPUT (HTTP 400) naming the limit, never the value. The document's own shape
 * (aliases, root fields, NUL literals) is checked earlier, by documentRefusal.
 */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin<BaseContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ document, operation, schema, request }) {
          if (operation === undefined) return Promise.resolve();
          const variables = request.variables ?? {};
          const wrong = variablesRefusal(variables);
          if (wrong?.kind === 'too-deep') {
            return Promise.reject(
              refusal(
                `variables nest objects or lists deeper than ${MAX_VARIABLE_DEPTH} levels, which no argument of this API does`,
              ),
            );
          }
          if (wrong?.kind === 'nul') {
            return Promise.reject(
              refusal(
                `variable ${wrong.path} contains a NUL character (\\u0000), which no value may hold`,
              ),
            );
          }
          const cost = operationCost(
            schema,
            operation,
            fragmentsOf(document),
            variables,
            limits.cost,
          );
          if (cost > limits.maxCost) {
            return Promise.reject(
              refusal(
                `query is too expensive: estimated cost ${cost} exceeds ${limits.maxCost}; ask for smaller pages or fewer nested lists`,
              ),
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}
