import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { withDeadline } from '@scantrail/config';
import type { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { DATA_SOURCE, KAFKA_PROBE, LOGGER, type KafkaProbe } from '../api-tokens';

const PING_TIMEOUT_MS = 2_000;

/** The API pool's node-pg Pool: its Client class and the options it opens connections with. */
interface PoolOptions {
  Client: new (options: object) => Client;
  options: object;
}

/**
 * PostgreSQL answers `SELECT 1` within two seconds, on a connection of its own: opened as the
 * API starts, as the pool opens its own (same server, role and session settings) but
 * outside it, and held, so a check is one round trip and takes nothing from the requests.
 * Taken from the pool at each check, it had to open a connection whenever the pool had none
 * idle, as at the start of every flood of /metrics and /health measured (its collection
 * holds three): some six waits for a turn of the event loop (TCP, startup, SCRAM's
 * exchanges, the session's settings), 60 to 226 ms in loaded test runs against 2 ms for the
 * query, and a flood of pipelined requests makes each turn last hundreds of milliseconds.
 * /health said PostgreSQL did not answer within 2 s to all 2,000 requests of such a flood in
 * three fresh-ci runs of seven (session 38), while PostgreSQL answered /metrics. A
 * connection that failed, did not answer in time or was ended by the server is closed; a
 * check whose held connection fails tries once more on a new one. /health thus says whether
 * PostgreSQL answers, not whether the pool can open more connections (GraphQL's answers
 * say that).
 * /health is public, so a failure is told in words of our own (with Node's or PostgreSQL's
 * error code, which carries no data); the driver's message, which names the server's
 * address, the role or the database, goes to the operator's log only.
 */
@Injectable()
export class DatabaseHealthIndicator implements OnApplicationBootstrap, OnApplicationShutdown {
  private held: Promise<Client> | undefined;
  /** Set at shutdown: a check still running then opens nothing more. */
  private stopped = false;

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Opens the connection before the first request; a failure is the first check's to tell. */
  onApplicationBootstrap(): void {
    this.connection().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const held = this.held;
    this.held = undefined;
    await (await held?.catch(() => undefined))?.end().catch(() => undefined);
  }

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    try {
      await withDeadline(
        this.ping(),
        PING_TIMEOUT_MS,
        () => new Error(`PostgreSQL did not answer within ${PING_TIMEOUT_MS} ms`),
      );
      return session.up();
    } catch (error) {
      this.close(this.held);
      this.logger.warn({ err: error }, '/health: PostgreSQL does not answer');
      const code = (error as { code?: unknown }).code;
      return session.down({
        message: 'PostgreSQL does not answer',
        ...(typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? { code } : {}),
      });
    }
  }

  private async ping(): Promise<void> {
    const held = this.held;
    try {
      await (await this.connection()).query('SELECT 1');
    } catch (error) {
      this.close(this.held);
      // One that was open before this check may have been ended since (a restart of the
      // server, pg_terminate_backend): once more, on a new one, within the same deadline.
      if (held === undefined) throw error;
      await (await this.connection()).query('SELECT 1');
    }
  }

  private connection(): Promise<Client> {
    if (this.held) return this.held;
    if (this.stopped) return Promise.reject(new Error('the API is closing'));
    const pool = (this.dataSource.driver as PostgresDriver).master as PoolOptions;
    const client = new pool.Client(pool.options);
    const held = client.connect().then(() => client);
    // Ended by the server while idle: node-pg tells it as an 'error' event (unheard, it would
    // end the process); the next check opens another.
    client.on('error', () => this.close(held));
    this.held = held;
    return held;
  }

  /** Forgets `held` if it is the current connection, and ends it once it has opened: not awaited. */
  private close(held: Promise<Client> | undefined): void {
    if (held === undefined) return;
    if (this.held === held) this.held = undefined;
    held.then(
      (client) => client.end().catch(() => undefined),
      () => undefined,
    );
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
