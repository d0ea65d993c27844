import type { ReportCheckpoint } from '../accounting/accounting-report';
import type { BreachReport } from '../patient-rights/patient-rights-report';
import { exampleCheckpoint } from './accounting-report.example';

/** A breach summary's report: vendor vnd-a named `vendorName`, 3 studies of 2 patients. */
export function exampleBreachReport(
  vendorName: string,
  description: string,
  checkpoint: ReportCheckpoint = exampleCheckpoint(),
): BreachReport {
  return {
    organisation: 'General Hospital',
    breach: {
      breachId: 'brc-1',
      vendorId: 'vnd-a',
      discoveredAt: new Date('2024-05-10T00:00:00Z'),
      exposureFrom: new Date('2024-03-01T00:00:00Z'),
      exposureTo: new Date('2024-05-09T23:59:59.999Z'),
      description,
      studiesAffected: 3,
      studiesDeidentified: 1,
      patientsAffected: 2,
      patientsToNotify: 2,
      individualNoticeDeadline: new Date('2024-07-09T00:00:00Z'),
      hhsNoticeDeadline: new Date('2025-03-01T23:59:59.999Z'),
      mediaNoticeMayBeRequired: false,
      ledgerSequence: 9,
    },
    affected: [],
    vendor: { vendorId: 'vnd-a', name: vendorName, address: null },
    generatedAt: new Date('2025-01-10T00:00:00Z'),
    checkpoint,
  };
}
