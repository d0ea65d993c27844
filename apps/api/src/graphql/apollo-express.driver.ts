import { ApolloServer, HeaderMap, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Injectable } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';

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
    const server = new ApolloServer<BaseContext>({
      ...options,
      plugins: [...(options.plugins ?? []), drain],
    } as ConstructorParameters<typeof ApolloServer<BaseContext>>[0]);
    await server.start();
    const context = options.context as ContextFunction | undefined;
    app.use(path, (req: Request, res: Response, next: NextFunction) => {
      void serve(server, context, req, res).catch(next);
    });
    this.apolloServer = server;
  }
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
