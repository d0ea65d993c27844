import { Module } from '@nestjs/common';
import type { Settings } from '@scantrail/config';
import { CheckpointStore, LedgerReader } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { READ_DATA_SOURCE, SETTINGS } from '../api-tokens';
import { LedgerQueryService } from './ledger-query.service';
import { LedgerResolver } from './ledger.resolver';
import { TlogTilesController } from './tlog-tiles.controller';

/** The ledger's entries, proofs and checkpoints, in GraphQL and as tlog tiles. */
@Module({
  controllers: [TlogTilesController],
  providers: [
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
    LedgerResolver,
  ],
})
export class LedgerModule {}
