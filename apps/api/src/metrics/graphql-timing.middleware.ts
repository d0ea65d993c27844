import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiMetrics } from './metrics.registry';

/** Times every /graphql request, 401s included, by response status. */
@Injectable()
export class GraphqlTimingMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ApiMetrics) {}

  use(_req: Request, res: Response, next: NextFunction): void {
    const stop = this.metrics.graphqlDuration.startTimer();
    res.on('finish', () => stop({ status: String(res.statusCode) }));
    next();
  }
}
