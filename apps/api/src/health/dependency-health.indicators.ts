import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { withDeadline } from '@scantrail/config';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, KAFKA_PROBE, LOGGER, type KafkaProbe } from '../api-tokens';

const PING_TIMEOUT_MS = 2_000;

/**
 * PostgreSQL answers `SELECT 1` within two seconds. /health is public, so a failure is told
 * in words of our own (with Node's or PostgreSQL's error code, which carries no data); the
 * driver's message, which names the server's address, the role or the database, goes to
 * the operator's log only.
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    try {
      await withDeadline(
        this.dataSource.query('SELECT 1'),
        PING_TIMEOUT_MS,
        () => new Error(`PostgreSQL did not answer within ${PING_TIMEOUT_MS} ms`),
      );
      return session.up();
    } catch (error) {
      this.logger.warn({ err: error }, '/health: PostgreSQL does not answer');
      const code = (error as { code?: unknown }).code;
      return session.down({
        message: 'PostgreSQL does not answer',
        ...(typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? { code } : {}),
      });
    }
  }
}

/**
 * A Kafka broker answers a cluster description (the client bounds it to about two seconds).
 * As for PostgreSQL, /health says it in words of our own: a broker that answered and refused
 * this client (its SASL credentials or certificates) with the refusal's code, which names no
 * user, host or file; the explained error, naming the settings to check, goes to the log
 * (the API's Kafka client logs nothing else: before, the log said nothing and /health "no
 * Kafka broker reachable" while a broker refused a wrong password).
 */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(KAFKA_PROBE) private readonly kafka: KafkaProbe,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    const state = await this.kafka.reachability().catch((error: unknown) => ({
      reachable: false as const,
      refusal: undefined,
      error: error instanceof Error ? error : new Error(String(error)),
    }));
    if (state.reachable) return session.up();
    const message = state.refusal ? 'Kafka refused this client' : 'no Kafka broker reachable';
    this.logger.warn({ err: state.error }, `/health: ${message}`);
    return session.down({ message, ...(state.refusal ? { code: state.refusal } : {}) });
  }
}
