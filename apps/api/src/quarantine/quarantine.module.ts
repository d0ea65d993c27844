import { Module } from '@nestjs/common';
import type { Settings } from '@scantrail/config';
import { QuarantineStore } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { READ_DATA_SOURCE, SETTINGS } from '../api-tokens';
import { QuarantineQueryService } from './quarantine-query.service';
import { QuarantineResolver } from './quarantine.resolver';

/** Messages the ingest set aside, with their reasons (patient values redacted). */
@Module({
  providers: [
    {
      provide: QuarantineQueryService,
      inject: [READ_DATA_SOURCE, QuarantineStore, SETTINGS],
      useFactory: (ds: DataSource, store: QuarantineStore, settings: Settings) =>
        new QuarantineQueryService(ds, store, settings.apiLimits.quarantinePageBytes),
    },
    QuarantineResolver,
  ],
})
export class QuarantineModule {}
