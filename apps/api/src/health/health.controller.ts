import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { sharedWhileRunning } from '@scantrail/config';
import { DatabaseHealthIndicator, KafkaHealthIndicator } from './dependency-health.indicators';

/**
 * Public liveness of what the API depends on: 200 when both are up, 503 naming each
 * otherwise. One check at a time, shared by the requests that come meanwhile (it is public).
 */
@Controller('health')
export class HealthController {
  private readonly checkShared: () => Promise<HealthCheckResult>;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
  ) {
    this.checkShared = sharedWhileRunning(() =>
      this.health.check([() => this.database.check('database'), () => this.kafka.check('kafka')]),
    );
  }

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.checkShared();
  }
}
