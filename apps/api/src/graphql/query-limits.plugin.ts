import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, visit, type FragmentDefinitionNode } from 'graphql';
import { nulInVariables, operationShape } from './operation-shape';
import { operationCost, type CostSettings } from './query-cost';

export interface QueryLimits {
  /** Highest estimated cost (see operationCost). */
  maxCost: number;
  /** Most aliased fields per operation (fragments expanded). */
  maxAliases: number;
  /** Most fields at the root of an operation. */
  maxRootFields: number;
  cost: CostSettings;
}

function refuse(message: string): Promise<never> {
  return Promise.reject(
    new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } }),
  );
}

/**
 * Refuses, before any resolver runs, an operation that carries a NUL character (PostgreSQL
 * text cannot hold one), asks for too many aliases or root fields, or whose estimated cost
 * exceeds the limit. Every refusal is BAD_USER_INPUT naming the limit, never the value.
 * Needs the variables, so it runs after validation, as a plugin.
 */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin<BaseContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ document, operation, schema, request }) {
          if (operation === undefined) return Promise.resolve();
          const variables = request.variables ?? {};
          const nulAt = nulInVariables(variables);
          if (nulAt !== undefined) {
            return refuse(
              `variable ${nulAt} contains a NUL character (\\u0000), which no value may hold`,
            );
          }
          let literalNul = false;
          visit(document, {
            StringValue(node) {
              if (node.value.includes('\u0000')) literalNul = true;
            },
          });
          if (literalNul) {
            return refuse(
              'an argument contains a NUL character (\\u0000), which no value may hold',
            );
          }
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const d of document.definitions) {
            if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
          }
          const shape = operationShape(operation, fragments);
          if (shape.aliases > limits.maxAliases) {
            return refuse(
              `query uses ${shape.aliases} aliases; the limit is ${limits.maxAliases} per operation`,
            );
          }
          if (shape.rootFields > limits.maxRootFields) {
            return refuse(
              `query asks for ${shape.rootFields} root fields; the limit is ${limits.maxRootFields} per operation`,
            );
          }
          const cost = operationCost(schema, operation, fragments, variables, limits.cost);
          if (cost > limits.maxCost) {
            return refuse(
              `query is too expensive: estimated cost ${cost} exceeds ${limits.maxCost}; ask for smaller pages or fewer nested lists`,
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}
