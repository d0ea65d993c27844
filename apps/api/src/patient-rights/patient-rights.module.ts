import { Module } from '@nestjs/common';
import { AccessLogService } from '@scantrail/access';
import { PatientRightsReadService } from '@scantrail/queries';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../api-tokens';
import { KeptObligationsNotice } from './kept-obligations.notice';
import { BreachImpactResolver, DeletionRequestResolver } from './patient-rights.resolver';

/** Deletion requests, open obligations and breach impact (also the reports' source). */
@Module({
  providers: [
    {
      provide: PatientRightsReadService,
      inject: [DATA_SOURCE, AccessLogService],
      useFactory: (ds: DataSource, accessLog: AccessLogService) =>
        new PatientRightsReadService(ds, accessLog),
    },
    DeletionRequestResolver,
    BreachImpactResolver,
    KeptObligationsNotice,
  ],
  exports: [PatientRightsReadService],
})
export class PatientRightsModule {}
