import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, KAFKA_PROBE, type KafkaProbe } from '../api-tokens';

const PING_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** PostgreSQL answers `SELECT 1` within two seconds. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    try {
      await within(this.dataSource.query('SELECT 1'), PING_TIMEOUT_MS, 'PostgreSQL');
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}

/** A Kafka broker answers a cluster description (the client bounds it to about two seconds). */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(KAFKA_PROBE) private readonly kafka: KafkaProbe,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    const reachable = await this.kafka.isReachable().catch(() => false);
    return reachable ? session.up() : session.down({ message: 'no Kafka broker reachable' });
  }
}
