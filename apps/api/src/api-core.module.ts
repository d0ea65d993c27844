import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AccessLogService } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import { patientPseudonym } from '@scantrail/contract';
import {
  DisclosureAccountingService,
  FindingsReadService,
  PatientRightsReadService,
  StudyReadService,
  TraceService,
  VendorReadService,
} from '@scantrail/queries';
import { CheckpointStore, LedgerLog, LedgerReader, QuarantineStore } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { AccessLogQueryService } from './access-log/access-log-query.service';
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
import { LedgerQueryService } from './ledger/ledger-query.service';
import { ApiMetrics } from './metrics/metrics.registry';
import { QuarantineQueryService } from './quarantine/quarantine-query.service';
import { BridgeStateQueryService } from './bridge/bridge-state-query.service';

/** A provider built from the read data source (the read services are plain classes). */
function overDatabase<T>(
  token: abstract new (...args: never[]) => T,
  make: (ds: DataSource) => T,
): Provider {
  return { provide: token, useFactory: make, inject: [READ_DATA_SOURCE] };
}

/**
 * What the process hands in (settings, database, Kafka probe, logger) and the services
 * built on it, available to every module of the API.
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
      overDatabase(StudyReadService, (ds) => new StudyReadService(ds)),
      overDatabase(FindingsReadService, (ds) => new FindingsReadService(ds)),
      overDatabase(VendorReadService, (ds) => new VendorReadService(ds)),
      overDatabase(TraceService, (ds) => new TraceService(ds)),
      overDatabase(LedgerReader, (ds) => new LedgerReader(ds)),
      {
        // The stored checkpoints the ingest signed; the API reads them and never signs.
        provide: CheckpointStore,
        inject: [READ_DATA_SOURCE, SETTINGS],
        useFactory: (ds: DataSource, settings: Settings) =>
          new CheckpointStore(ds, new LedgerLog(settings.ledgerOrigin)),
      },
      overDatabase(BridgeStateQueryService, (ds) => new BridgeStateQueryService(ds)),
      {
        provide: DisclosureAccountingService,
        inject: [READ_DATA_SOURCE, AccessLogService, SETTINGS],
        useFactory: (ds: DataSource, accessLog: AccessLogService, settings: Settings) =>
          new DisclosureAccountingService(ds, accessLog, (patient) =>
            patientPseudonym(patient, settings.pseudonymKey),
          ),
      },
      {
        provide: PatientRightsReadService,
        inject: [DATA_SOURCE, AccessLogService],
        useFactory: (ds: DataSource, accessLog: AccessLogService) =>
          new PatientRightsReadService(ds, accessLog),
      },
      {
        provide: LedgerQueryService,
        inject: [READ_DATA_SOURCE, LedgerReader, CheckpointStore, SETTINGS],
        useFactory: (
          ds: DataSource,
          reader: LedgerReader,
          checkpoints: CheckpointStore,
          settings: Settings,
        ) => new LedgerQueryService(ds, reader, checkpoints, settings.ledgerVerifierKey),
      },
      {
        provide: QuarantineQueryService,
        inject: [READ_DATA_SOURCE, QuarantineStore, SETTINGS],
        useFactory: (ds: DataSource, store: QuarantineStore, settings: Settings) =>
          new QuarantineQueryService(ds, store, settings.apiLimits.quarantinePageBytes),
      },
      {
        provide: AccessLogQueryService,
        inject: [DATA_SOURCE, AccessLogService],
        useFactory: (ds: DataSource, accessLog: AccessLogService) =>
          new AccessLogQueryService(ds, accessLog),
      },
      {
        provide: ApiMetrics,
        inject: [DATA_SOURCE, LedgerReader, QuarantineStore, FindingsReadService],
        useFactory: (
          ds: DataSource,
          reader: LedgerReader,
          store: QuarantineStore,
          findings: FindingsReadService,
        ) => new ApiMetrics(ds, reader, store, findings),
      },
      RequestLoadersFactory,
      rateLimiterProvider,
    ];
    const tokens = providers.map((p) => (typeof p === 'function' ? p : p.provide));
    return { module: ApiCoreModule, global: true, providers, exports: tokens };
  }
}
