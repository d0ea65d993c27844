import { Module } from '@nestjs/common';
import type { Settings } from '@scantrail/config';
import { DuplicateConflictStore, QuarantineStore } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { READ_DATA_SOURCE, SETTINGS } from '../api-tokens';
import { QuarantineQueryService } from './quarantine-query.service';
import { QuarantineResolver } from './quarantine.resolver';
import { DuplicateConflictsService } from './duplicate-conflicts.service';

/**
 * Messages the ingest set aside, with their reasons (patient values redacted), and those it
 * dropped as re-used event ids (duplicateConflicts).
 */
@Module({
  providers: [
    {
      provide: QuarantineQueryService,
      inject: [READ_DATA_SOURCE, QuarantineStore, SETTINGS],
      useFactory: (ds: DataSource, store: QuarantineStore, settings: Settings) =>
        new QuarantineQueryService(ds, store, settings.apiLimits.quarantinePageBytes),
    },
    {
      provide: DuplicateConflictsService,
      inject: [READ_DATA_SOURCE],
      useFactory: (ds: DataSource) =>
        new DuplicateConflictsService(ds, new DuplicateConflictStore()),
    },
    QuarantineResolver,
  ],
})
export class QuarantineModule {}
