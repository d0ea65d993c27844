import { Module } from '@nestjs/common';
import { overReadDatabase } from '../api-core.module';
import { BridgeStateQueryService } from './bridge-state-query.service';
import { BridgeStateResolver } from './bridge-state.resolver';

/** How far the Orthanc bridge has got. */
@Module({
  providers: [
    overReadDatabase(BridgeStateQueryService, (ds) => new BridgeStateQueryService(ds)),
    BridgeStateResolver,
  ],
})
export class BridgeStateModule {}
