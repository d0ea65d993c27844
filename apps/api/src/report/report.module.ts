import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { Settings } from '@scantrail/config';
import {
  AccountingReportService,
  PatientRightsReportService,
  reportSignOff,
} from '@scantrail/reports';
import {
  DisclosureAccountingService,
  PatientRightsReadService,
  VendorReadService,
} from '@scantrail/queries';
import { CheckpointStore } from '@scantrail/storage';
import { SETTINGS } from '../api-tokens';
import { AccountingModule } from '../accounting/accounting.module';
import { PatientRightsModule } from '../patient-rights/patient-rights.module';
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
  imports: [AccountingModule, PatientRightsModule],
  controllers: [AccountingReportController, PatientRightsReportController],
  providers: [
    {
      provide: AccountingReportService,
      inject: [SETTINGS, CheckpointStore, DisclosureAccountingService],
      useFactory: (
        settings: Settings,
        checkpoints: CheckpointStore,
        accounting: DisclosureAccountingService,
      ) => new AccountingReportService({ accounting, ...reportSignOff(settings, checkpoints) }),
    },
    {
      provide: PatientRightsReportService,
      inject: [SETTINGS, CheckpointStore, PatientRightsReadService, VendorReadService],
      useFactory: (
        settings: Settings,
        checkpoints: CheckpointStore,
        rights: PatientRightsReadService,
        vendors: VendorReadService,
      ) =>
        new PatientRightsReportService({
          rights,
          vendors,
          ...reportSignOff(settings, checkpoints),
        }),
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
