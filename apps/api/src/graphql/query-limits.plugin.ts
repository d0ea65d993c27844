import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, type FragmentDefinitionNode } from 'graphql';
import { operationCost, type CostSettings } from './query-cost';

/**
 * Refuses an operation whose estimated cost (see operationCost) exceeds `maxCost`, before
 * any resolver runs. Needs the variables, so it runs after validation, as a plugin.
 */
export function queryCostPlugin(
  maxCost: number,
  settings: CostSettings,
): ApolloServerPlugin<BaseContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ document, operation, schema, request }) {
          if (operation === undefined) return Promise.resolve();
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const d of document.definitions) {
            if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
          }
          const cost = operationCost(
            schema,
            operation,
            fragments,
            request.variables ?? {},
            settings,
          );
          if (cost > maxCost) {
            return Promise.reject(
              new GraphQLError(
                `query is too expensive: estimated cost ${cost} exceeds ${maxCost}; ask for smaller pages or fewer nested lists`,
                { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
              ),
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}
