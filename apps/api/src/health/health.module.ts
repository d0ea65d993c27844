import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator, KafkaHealthIndicator } from './dependency-health.indicators';
import { HealthController } from './health.controller';

/** /health: public, reports whether the database and Kafka answer. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, KafkaHealthIndicator],
})
export class HealthModule {}
