import { Module } from '@nestjs/common';
import { FindingsReadService } from '@scantrail/queries';
import { LedgerReader, QuarantineStore } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../api-tokens';
import { MetricsController } from './metrics.controller';
import { ApiMetrics } from './metrics.registry';

/** /metrics: public Prometheus gauges (http-hardening.ts times /graphql into it). */
@Module({
  controllers: [MetricsController],
  providers: [
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
  ],
})
export class MetricsModule {}
