import {
  HeaderMap,
  type ApolloServerPlugin,
  type BaseContext,
  type GraphQLRequestContextResponseForOperation,
  type GraphQLRequestContextWillSendResponse,
  type GraphQLRequestListener,
  type GraphQLResponse,
} from '@apollo/server';
import type { OperationDefinitionNode } from 'graphql';
import type { GraphqlContext } from './graphql-context';
import { isFindingsAnswer, type FindingsAnswerCache } from './findings-answer-cache';

/** A request whose answer is to be kept once made: its key and the generation read. */
interface Pending {
  key: string;
  generation: string;
}

/**
 * Serves `findings` answers from a FindingsAnswerCache through Apollo Server's
 * `responseForOperation` hook, before compiledQueryPlugin: a kept answer replaces the
 * execution (the same data, so the same body; the same empty head a compiled answer
 * has), and a missed one is executed as before (graphql-jit or graphql-js) and kept in
 * `willSendResponse` when it has no errors and its key was asked before. Only operations isFindingsAnswer accepts are
 * looked up; every other request costs one WeakMap lookup.
 */
export function findingsAnswerCachePlugin(
  cache: FindingsAnswerCache,
): ApolloServerPlugin<BaseContext> {
  const cacheable = new WeakMap<OperationDefinitionNode, boolean>();
  const pending = new WeakMap<object, Pending>();

  const responseForOperation = async (
    requestContext: GraphQLRequestContextResponseForOperation<BaseContext>,
  ): Promise<GraphQLResponse | null> => {
    const { document, operation, queryHash, request } = requestContext;
    if ((operation as OperationDefinitionNode | undefined) === undefined || queryHash === undefined)
      return null;
    let accepted = cacheable.get(operation);
    if (accepted === undefined) {
      accepted = isFindingsAnswer(document, operation);
      cacheable.set(operation, accepted);
    }
    if (!accepted) return null;
    const { viewer } = requestContext.contextValue as GraphqlContext;
    const found = await cache.lookup(viewer, queryHash, request.operationName, request.variables);
    if (found.kind === 'hit') {
      return {
        http: { status: undefined, headers: new HeaderMap() },
        body: { kind: 'single', singleResult: { data: found.data } },
      };
    }
    if (found.kind === 'miss' && found.keep)
      pending.set(requestContext, { key: found.key, generation: found.generation });
    return null;
  };

  const willSendResponse = (
    requestContext: GraphQLRequestContextWillSendResponse<BaseContext>,
  ): Promise<void> => {
    const waiting = pending.get(requestContext);
    if (waiting === undefined) return Promise.resolve();
    pending.delete(requestContext);
    const { body, http } = requestContext.response;
    if (
      body.kind === 'single' &&
      (body.singleResult.errors?.length ?? 0) === 0 &&
      body.singleResult.extensions === undefined &&
      typeof body.singleResult.data === 'object' &&
      body.singleResult.data !== null &&
      (http.status === undefined || http.status === 200)
    ) {
      cache.keep(waiting.key, waiting.generation, body.singleResult.data);
    }
    return Promise.resolve();
  };

  const listener: GraphQLRequestListener<BaseContext> = { responseForOperation, willSendResponse };
  return {
    requestDidStart() {
      return Promise.resolve(listener);
    },
  };
}
