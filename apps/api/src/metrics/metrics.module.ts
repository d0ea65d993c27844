import { Module } from '@nestjs/common';
import { FindingsReadService } from '@scantrail/queries';
import { LedgerReader, QuarantineStore } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../api-tokens';
import { MetricsController } from './metrics.controller';
import { FindingsAnswerCache } from '../graphql/findings-answer-cache';
import { ApiMetrics } from './metrics.registry';

/** /metrics: public Prometheus gauges (http-hardening.ts times /graphql into it). */
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: ApiMetrics,
      inject: [
        DATA_SOURCE,
        LedgerReader,
        QuarantineStore,
        FindingsReadService,
        FindingsAnswerCache,
      ],
      useFactory: (
        ds: DataSource,
        reader: LedgerReader,
        store: QuarantineStore,
        findings: FindingsReadService,
        answers: FindingsAnswerCache,
      ) => new ApiMetrics(ds, reader, store, findings, answers),
    },
  ],
})
export class MetricsModule {}
