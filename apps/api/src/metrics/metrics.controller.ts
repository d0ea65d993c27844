import { Controller, Get, Header } from '@nestjs/common';
import { sharedWhileRunning } from '@scantrail/config';
import { ApiMetrics } from './metrics.registry';

/**
 * Prometheus text exposition; public, like /health (it holds counts, never records). One
 * collection at a time (its gauges read the database), shared by the scrapes meanwhile.
 */
@Controller('metrics')
export class MetricsController {
  private readonly collect: () => Promise<string>;

  constructor(metrics: ApiMetrics) {
    this.collect = sharedWhileRunning(() => metrics.registry.metrics());
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.collect();
  }
}
