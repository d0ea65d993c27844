import { Module } from '@nestjs/common';
import { IngestGapStore } from '@scantrail/storage';
import { overReadDatabase } from '../api-core.module';
import { IngestGapsQueryService } from './ingest-gaps-query.service';
import { IngestGapsResolver } from './ingest-gaps.resolver';

/** The ingest's record of what Kafka no longer held (ingest_gaps). */
@Module({
  providers: [
    overReadDatabase(
      IngestGapsQueryService,
      (ds) => new IngestGapsQueryService(ds, new IngestGapStore()),
    ),
    IngestGapsResolver,
  ],
})
export class IngestGapsModule {}
