import { ApolloServer, HeaderMap, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Injectable } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import type { ScantrailDriverConfig } from './graphql-options';

type ContextFunction = (args: { req: Request; res: Response }) => Promise<BaseContext>;

/**
 * The Apollo driver, mounted on Express by a small adapter of our own: the stock driver
 * loads @as-integrations/express5, which is not among our dependencies. This is the same
 * mapping that package does (Express request -> HTTPGraphQLRequest -> Express response).
 */
@Injectable()
export class ApolloExpressDriver extends ApolloDriver {
  constructor(modulesContainer: ModulesContainer) {
    super(modulesContainer);
  }

  protected override async registerExpress(
    options: ApolloDriverConfig,
    { preStartHook }: { preStartHook?: () => void } = {},
  ): Promise<void> {
    const httpAdapter = this.httpAdapterHost.httpAdapter;
    const app = httpAdapter.getInstance<Express>();
    const path = options.path ?? '/graphql';
    preStartHook?.();
    const drain = ApolloServerPluginDrainHttpServer({
      httpServer: httpAdapter.getHttpServer() as Server,
    });
    const { documentPreflight, ...apolloOptions } = options as ScantrailDriverConfig;
    const server = new ApolloServer<BaseContext>({
      ...apolloOptions,
      plugins: [...(options.plugins ?? []), drain],
    } as ConstructorParameters<typeof ApolloServer<BaseContext>>[0]);
    await server.start();
    const context = options.context as ContextFunction | undefined;
    app.use(path, (req: Request, res: Response, next: NextFunction) => {
      const refused = documentPreflight?.(documentSource(req) ?? '');
      if (refused !== undefined) {
        res
          .status(400)
          .json({ errors: [{ message: refused, extensions: { code: 'BAD_USER_INPUT' } }] });
        return;
      }
      void serve(server, context, req, res).catch(next);
    });
    this.apolloServer = server;
  }
}

/** The GraphQL document of a request (POST body or GET query string), if it has one. */
function documentSource(req: Request): string | undefined {
  const body = req.body as { query?: unknown } | undefined;
  if (typeof body?.query === 'string') return body.query;
  const query = req.query.query;
  return typeof query === 'string' ? query : undefined;
}

async function serve(
  server: ApolloServer<BaseContext>,
  context: ContextFunction | undefined,
  req: Request,
  res: Response,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const httpGraphQLRequest: HTTPGraphQLRequest = {
    method: req.method.toUpperCase(),
    headers,
    search: new URL(req.originalUrl, 'http://localhost').search,
    body: (req.body as unknown) ?? {},
  };
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest,
    context: () => (context ? context({ req, res }) : Promise.resolve({})),
  });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
