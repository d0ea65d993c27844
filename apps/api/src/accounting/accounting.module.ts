import { Module } from '@nestjs/common';
import { AccessLogService } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import { patientPseudonym } from '@scantrail/contract';
import { DisclosureAccountingService } from '@scantrail/queries';
import type { DataSource } from 'typeorm';
import { READ_DATA_SOURCE, SETTINGS } from '../api-tokens';
import { DisclosureAccountingResolver } from './disclosure-accounting.resolver';

/** The accounting of disclosures for one patient (also the report's source). */
@Module({
  providers: [
    {
      provide: DisclosureAccountingService,
      inject: [READ_DATA_SOURCE, AccessLogService, SETTINGS],
      useFactory: (ds: DataSource, accessLog: AccessLogService, settings: Settings) =>
        new DisclosureAccountingService(ds, accessLog, (patient) =>
          patientPseudonym(patient, settings.pseudonymKey),
        ),
    },
    DisclosureAccountingResolver,
  ],
  exports: [DisclosureAccountingService],
})
export class AccountingModule {}
