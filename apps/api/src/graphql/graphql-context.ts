import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import type { Request } from 'express';
import type { RequestLoaders } from './request-loaders';

/** What every resolver gets: the verified viewer and this request's DataLoaders. */
export interface GraphqlContext {
  req: Request;
  viewer: Viewer;
  loaders: RequestLoaders;
}

const contextOf = (ctx: ExecutionContext): GraphqlContext =>
  GqlExecutionContext.create(ctx).getContext<GraphqlContext>();

/** The request's Viewer (verified by the request gate before the body was read). */
export const CurrentViewer = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => contextOf(ctx).viewer,
);

/** The request's DataLoaders. */
export const Loaders = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => contextOf(ctx).loaders,
);
