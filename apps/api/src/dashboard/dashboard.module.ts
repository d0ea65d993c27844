import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { READ_DATA_SOURCE } from '../api-tokens';
import { defaultDashboardDir, DashboardAssets } from './dashboard-assets';
import { DashboardController } from './dashboard.controller';
import { FindingCountsResolver } from './finding-counts.resolver';
import { FindingCountsService } from './finding-counts.service';

/**
 * The browser dashboard: its built files at /dashboard/ (public, static) and the
 * aggregate queries it draws its chart and vendor table from (behind the bearer token,
 * like all of /graphql).
 */
@Module({
  controllers: [DashboardController],
  providers: [
    { provide: DashboardAssets, useFactory: () => new DashboardAssets(defaultDashboardDir()) },
    {
      provide: FindingCountsService,
      inject: [READ_DATA_SOURCE],
      useFactory: (ds: DataSource) => new FindingCountsService(ds),
    },
    FindingCountsResolver,
  ],
})
export class DashboardModule {}
