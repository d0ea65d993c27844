import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AccessLogService } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import {
  FindingsReadService,
  findingsGeneration,
  StudyReadService,
  VendorReadService,
} from '@scantrail/queries';
import { CheckpointStore, LedgerLog, LedgerReader, QuarantineStore } from '@scantrail/storage';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { tokenVerifierProvider } from './auth/token-policy';
import { rateLimiterProvider } from './auth/token-rate-limit.middleware';
import {
  DATA_SOURCE,
  KAFKA_PROBE,
  LOGGER,
  READ_DATA_SOURCE,
  SETTINGS,
  type ApiDependencies,
} from './api-tokens';
import { PrimaryAccessLog } from './access-log/primary-access-log';
import { RequestLoadersFactory } from './graphql/request-loaders';
import { FindingsAnswerCache } from './graphql/findings-answer-cache';

/** A provider built from the read data source (the read services are plain classes). */
export function overReadDatabase<T>(
  token: abstract new (...args: never[]) => T,
  make: (ds: DataSource) => T,
): Provider {
  return { provide: token, useFactory: make, inject: [READ_DATA_SOURCE] };
}

/**
 * What the process hands in (settings, databases, Kafka probe, logger) and the shared
 * infrastructure built on it: the access log, the ledger's reader and stored checkpoints,
 * the quarantine store, the token verifier and limits, and the per-request DataLoaders with the read
 * services they batch over. Each feature module (apps/api/src/<feature>/) builds the
 * services it alone uses.
 */
@Global()
@Module({})
export class ApiCoreModule {
  static forRoot(deps: ApiDependencies): DynamicModule {
    const providers: Provider[] = [
      { provide: SETTINGS, useValue: deps.settings },
      { provide: DATA_SOURCE, useValue: deps.dataSource },
      { provide: READ_DATA_SOURCE, useValue: deps.readDataSource ?? deps.dataSource },
      { provide: KAFKA_PROBE, useValue: deps.kafka },
      { provide: LOGGER, useValue: deps.logger },
      // Every access-log read and write goes to the primary, whatever the caller reads from.
      { provide: AccessLogService, useValue: new PrimaryAccessLog(deps.dataSource) },
      { provide: QuarantineStore, useValue: new QuarantineStore() },
      overReadDatabase(LedgerReader, (ds) => new LedgerReader(ds)),
      {
        // The stored checkpoints the ingest signed; the API reads them and never signs, and
        // passes over a row LEDGER_VERIFIER_KEY does not open (the apps' role can insert rows).
        provide: CheckpointStore,
        inject: [READ_DATA_SOURCE, SETTINGS, LOGGER],
        useFactory: (ds: DataSource, settings: Settings, logger: Logger) =>
          new CheckpointStore(ds, new LedgerLog(settings.ledgerOrigin), undefined, {
            verifierKey: settings.ledgerVerifierKey,
            onUnsigned: (row, problem) =>
              logger.error(
                { treeSize: row.treeSize, problem },
                'a stored checkpoint does not verify with LEDGER_VERIFIER_KEY: not served (run verify)',
              ),
          }),
      },
      // The loaders batch every parent-to-children field over these three, whatever the
      // feature whose field asks.
      overReadDatabase(StudyReadService, (ds) => new StudyReadService(ds)),
      overReadDatabase(FindingsReadService, (ds) => new FindingsReadService(ds)),
      overReadDatabase(VendorReadService, (ds) => new VendorReadService(ds)),
      RequestLoadersFactory,
      // findings answers, kept by the findings generation of the database they are read from.
      overReadDatabase(
        FindingsAnswerCache,
        (ds) => new FindingsAnswerCache({ generation: () => findingsGeneration(ds) }),
      ),
      rateLimiterProvider,
      tokenVerifierProvider,
    ];
    const tokens = providers.map((p) => (typeof p === 'function' ? p : p.provide));
    return { module: ApiCoreModule, global: true, providers, exports: tokens };
  }
}
