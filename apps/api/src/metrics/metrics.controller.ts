import { Controller, Get, Header } from '@nestjs/common';
import { ApiMetrics } from './metrics.registry';

/** Prometheus text exposition; public, like /health (it holds counts, never records). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
