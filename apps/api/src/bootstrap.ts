import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  createLogger,
  guardHttpServer,
  limitConnectionsPerAddress,
  type Settings,
} from '@scantrail/config';
import { createKafka } from '@scantrail/kafka';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import type { KafkaProbe } from './api-tokens';
import { NestPinoLogger } from './nest-pino.logger';
import { ApiMetrics } from './metrics/metrics.registry';
import { hardenHttp } from './transport/http-hardening';

export interface StartApiOptions {
  settings: Settings;
  /** Initialized and migrated. The API does not close it. */
  dataSource: DataSource;
  /** A hot standby for read-only queries (READ_DATABASE_URL); unset: `dataSource`. */
  readDataSource?: DataSource;
  /** For /health only: the API reads everything from PostgreSQL. */
  kafkaBrokers: string[];
  logger?: Logger;
}

export interface RunningApi {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:3000/graphql. */
  url: string;
  port: number;
  /** Stops accepting requests, lets those in flight finish, releases the Kafka probe. */
  close(): Promise<void>;
}

/** Where a client on this machine reaches a server listening on `host`. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the GraphQL API on settings.port (0: any free port), in this process. Used by
 * main.ts and by end-to-end tests against their own database.
 */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const logger = options.logger ?? createLogger('scantrail-api', options.settings.logLevel);
  const kafka = createKafka({
    brokers: options.kafkaBrokers,
    clientId: 'scantrail-api',
    logLevel: 'nothing',
    security: options.settings.kafkaSecurity,
  });
  const probe: KafkaProbe = { reachability: () => kafka.reachability() };
  try {
    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({
        settings: options.settings,
        dataSource: options.dataSource,
        readDataSource: options.readDataSource,
        kafka: probe,
        logger,
      }),
      // The body parser is set up by hardenHttp, with the configured limit.
      { logger: new NestPinoLogger(logger), abortOnError: false, bodyParser: false },
    );
    hardenHttp(app, options.settings);
    const metrics = app.get(ApiMetrics);
    guardHttpServer(app.getHttpServer(), {
      answerBufferBytes: options.settings.apiLimits.answerBufferBytes,
      released: metrics.slowReadersReleased,
    });
    limitConnectionsPerAddress(
      app.getHttpServer(),
      options.settings.apiLimits.connectionsPerAddress,
      metrics.connectionsRefused,
    );
    await app.listen(options.settings.port, options.settings.host);
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const url = `http://${reachableHost(options.settings.host)}:${port}/graphql`;
    logger.info({ url }, 'GraphQL API listening');
    return {
      url,
      port,
      close: async () => {
        await app.close();
        await kafka.disconnect().catch(() => undefined);
      },
    };
  } catch (error) {
    await kafka.disconnect().catch(() => undefined);
    throw error;
  }
}
