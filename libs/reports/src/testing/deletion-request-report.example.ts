import type { DeletionObligationView } from '@scantrail/queries';
import type { ReportCheckpoint } from '../accounting/accounting-report';
import type { DeletionRequestReport } from '../patient-rights/patient-rights-report';
import { exampleCheckpoint } from './accounting-report.example';

/** A vendor holding one study of the request, as the deletion letter names it. */
export interface ExampleHolder {
  vendorId: string;
  studyInstanceUid: string;
  name: string;
  address: string | null;
}

/** An open deletion request's letter: each holder with one open obligation. */
export function exampleDeletionRequestReport(
  holders: readonly ExampleHolder[],
  options: { legalGround?: string; checkpoint?: ReportCheckpoint } = {},
): DeletionRequestReport {
  const obligation = (h: ExampleHolder): DeletionObligationView => ({
    vendorId: h.vendorId,
    studyInstanceUid: h.studyInstanceUid,
    receivedAt: new Date('2024-12-01T00:00:00Z'),
    status: 'OPEN',
    attestedAt: null,
    attestationEventId: null,
  });
  return {
    organisation: 'General Hospital',
    request: {
      requestId: 'req-1',
      requestedAt: new Date('2025-01-01T00:00:00Z'),
      dueBy: new Date('2025-01-31T00:00:00Z'),
      patientPseudonym: 'pp-1',
      legalGround: options.legalGround ?? 'GDPR Art. 17',
      status: 'OPEN',
      obligations: holders.map(obligation),
      ledgerSequence: 5,
      asOf: new Date('2025-01-10T00:00:00Z'),
    },
    holders: new Map(
      holders.map((h) => [h.vendorId, { vendorId: h.vendorId, name: h.name, address: h.address }]),
    ),
    generatedAt: new Date('2025-01-10T00:00:00Z'),
    checkpoint: options.checkpoint ?? exampleCheckpoint(),
  };
}
