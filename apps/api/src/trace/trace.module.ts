import { Module } from '@nestjs/common';
import { TraceService } from '@scantrail/queries';
import { overReadDatabase } from '../api-core.module';
import { TraceResolver } from './trace.resolver';

/** A study's lineage: where its copies and derivatives went. */
@Module({
  providers: [overReadDatabase(TraceService, (ds) => new TraceService(ds)), TraceResolver],
})
export class TraceModule {}
