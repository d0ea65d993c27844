import {
  Module,
  type MiddlewareConsumer,
  type NestModule,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Settings } from '@scantrail/config';
import {
  AccountingReportService,
  LetterPool,
  PatientRightsReportService,
  reportSignOff,
} from '@scantrail/reports';
import {
  DisclosureAccountingService,
  PatientRightsReadService,
  VendorReadService,
} from '@scantrail/queries';
import { CheckpointStore } from '@scantrail/storage';
import type { Logger } from 'pino';
import { LOGGER, SETTINGS } from '../api-tokens';
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
 * REPORT_ORGANISATION (default "scantrail demo hospital"). The PDF letters are drawn on render
 * threads (LetterPool: REPORT_RENDER_THREADS, REPORT_RENDER_QUEUE), never on the thread that
 * answers everyone else.
 */
@Module({
  imports: [AccountingModule, PatientRightsModule],
  controllers: [AccountingReportController, PatientRightsReportController],
  providers: [
    {
      provide: LetterPool,
      inject: [SETTINGS, LOGGER],
      useFactory: (settings: Settings, logger: Logger) =>
        new LetterPool({
          ...settings.letterRendering,
          onFailure: ({ kind, reason }) =>
            logger.error(
              { letter: kind, reason },
              'a PDF letter failed on its render thread: the request was answered 500 and the next letter gets a new thread. ERR_WORKER_OUT_OF_MEMORY: the letter needs more than REPORT_RENDER_HEAP_MB (about 1,200 accounting lines fit in 64 MB); raise it, or draw that letter with `cli report`',
            ),
        }),
    },
    {
      provide: AccountingReportService,
      inject: [SETTINGS, CheckpointStore, DisclosureAccountingService, LetterPool],
      useFactory: (
        settings: Settings,
        checkpoints: CheckpointStore,
        accounting: DisclosureAccountingService,
        letters: LetterPool,
      ) =>
        new AccountingReportService({
          accounting,
          letters,
          ...reportSignOff(settings, checkpoints),
        }),
    },
    {
      provide: PatientRightsReportService,
      inject: [SETTINGS, CheckpointStore, PatientRightsReadService, VendorReadService, LetterPool],
      useFactory: (
        settings: Settings,
        checkpoints: CheckpointStore,
        rights: PatientRightsReadService,
        vendors: VendorReadService,
        letters: LetterPool,
      ) =>
        new PatientRightsReportService({
          rights,
          vendors,
          letters,
          ...reportSignOff(settings, checkpoints),
        }),
    },
  ],
})
export class ReportModule implements NestModule, OnModuleDestroy {
  constructor(private readonly letters: LetterPool) {}

  onModuleDestroy(): Promise<void> {
    return this.letters.close();
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(ReportAuthMiddleware, TokenRateLimitMiddleware)
      .forRoutes(AccountingReportController, PatientRightsReportController);
  }
}
