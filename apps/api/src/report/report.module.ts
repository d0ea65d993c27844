import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { Settings } from '@scantrail/config';
import { AccountingReportService, PatientRightsReportService } from '@scantrail/reports';
import {
  DisclosureAccountingService,
  PatientRightsReadService,
  VendorReadService,
} from '@scantrail/queries';
import { CheckpointStore, LedgerLog } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { READ_DATA_SOURCE, SETTINGS } from '../api-tokens';
import { AccountingReportController } from './accounting-report.controller';
import { PatientRightsReportController } from './patient-rights-report.controller';
import { TokenRateLimitMiddleware } from '../auth/token-rate-limit.middleware';
import { ReportAuthMiddleware } from './report-auth.middleware';

/**
 * Documents for people: the accounting of disclosures as PDF, CSV or FHIR at
 * /reports/accounting, and the deletion-request and breach files at /reports/deletion-request,
 * /reports/open-obligations and /reports/breach, behind the bearer token. The organisation printed on them is
 * REPORT_ORGANISATION (default "scantrail demo hospital").
 */
@Module({
  controllers: [AccountingReportController, PatientRightsReportController],
  providers: [
    {
      provide: AccountingReportService,
      inject: [READ_DATA_SOURCE, SETTINGS, DisclosureAccountingService],
      useFactory: (ds: DataSource, settings: Settings, accounting: DisclosureAccountingService) => {
        const checkpoints = new CheckpointStore(ds, new LedgerLog(settings.ledgerOrigin));
        return new AccountingReportService({
          accounting,
          latestCheckpoint: () => checkpoints.latest(),
          checkpointWaitMs: settings.checkpointIntervalS * 1000 + 5000,
          ledgerOrigin: settings.ledgerOrigin,
          verifierKey: settings.ledgerVerifierKey,
          organisation: settings.reportOrganisation,
        });
      },
    },
    {
      provide: PatientRightsReportService,
      inject: [READ_DATA_SOURCE, SETTINGS, PatientRightsReadService, VendorReadService],
      useFactory: (
        ds: DataSource,
        settings: Settings,
        rights: PatientRightsReadService,
        vendors: VendorReadService,
      ) => {
        const checkpoints = new CheckpointStore(ds, new LedgerLog(settings.ledgerOrigin));
        return new PatientRightsReportService({
          rights,
          vendors,
          latestCheckpoint: () => checkpoints.latest(),
          checkpointWaitMs: settings.checkpointIntervalS * 1000 + 5000,
          ledgerOrigin: settings.ledgerOrigin,
          verifierKey: settings.ledgerVerifierKey,
          organisation: settings.reportOrganisation,
        });
      },
    },
  ],
})
export class ReportModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(ReportAuthMiddleware, TokenRateLimitMiddleware)
      .forRoutes(AccountingReportController, PatientRightsReportController);
  }
}
