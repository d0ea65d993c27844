import { AccessDeniedError, Viewer } from '@scantrail/access';
import type { DisclosureAccountingService, AccountingEntryView } from '@scantrail/queries';
import { exampleAccountingReport } from '../testing/accounting-report.example';
import { AccountingReportService } from './accounting-report.service';

const OFFICER = new Viewer('officer-1', ['privacy_officer']);
const AUDITOR = new Viewer('auditor-1', ['auditor']);
const PATIENT = { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'MRN-004211' };
const NOW = new Date('2025-01-15T09:30:00.000Z');

const views: AccountingEntryView[] = [...exampleAccountingReport(3).entries];

function service(treeSize = 100) {
  const accounting = jest.fn((_: Viewer, request: { from?: Date | null; to?: Date | null }) =>
    Promise.resolve({ from: request.from ?? new Date(0), to: request.to ?? NOW, entries: views }),
  );
  const latestCheckpoint = jest.fn(() =>
    Promise.resolve({
      treeSize,
      rootHash: Buffer.alloc(32, 7),
      note: `origin\n${treeSize}\nroot\n\n\u2014 origin AAAAAAAAAAAA\n`,
    }),
  );
  const reports = new AccountingReportService({
    accounting: { accounting } as unknown as DisclosureAccountingService,
    latestCheckpoint,
    checkpointWaitMs: 0,
    ledgerOrigin: 'origin',
    verifierKey: 'origin+00000000+AQ==',
    organisation: 'General Hospital',
  });
  return { reports, accounting, latestCheckpoint };
}

describe('AccountingReportService', () => {
  it('should refuse before reading or logging anything when the viewer is not a privacy officer', async () => {
    const { reports, accounting } = service();
    await expect(reports.report(AUDITOR, { patient: PATIENT }, NOW)).rejects.toThrow(
      AccessDeniedError,
    );
    expect(accounting).not.toHaveBeenCalled();
  });

  it('should log as accountingReport and cite the latest stored checkpoint when a privacy officer asks', async () => {
    const { reports, accounting, latestCheckpoint } = service(100);
    const from = new Date('2024-01-01T00:00:00Z');
    const report = await reports.report(OFFICER, { patient: PATIENT, from }, NOW);
    expect(accounting).toHaveBeenCalledWith(
      OFFICER,
      { patient: PATIENT, from },
      'accountingReport',
      NOW,
    );
    expect(latestCheckpoint).toHaveBeenCalled();
    expect(report).toMatchObject({
      organisation: 'General Hospital',
      patient: PATIENT,
      from,
      to: NOW,
      generatedAt: NOW,
      requestedBy: 'officer-1',
      checkpoint: {
        origin: 'origin',
        treeSize: 100,
        rootHash: Buffer.alloc(32, 7).toString('base64'),
        note: 'origin\n100\nroot\n\n\u2014 origin AAAAAAAAAAAA\n',
      },
    });
  });

  it('should list the accounting entries as the accounting service gives them', async () => {
    const { reports } = service();
    const { entries } = await reports.report(OFFICER, { patient: PATIENT }, NOW);
    expect(entries).toEqual(views);
  });

  it('should refuse when no stored checkpoint covers every listed entry', async () => {
    const { reports } = service(25);
    await expect(reports.report(OFFICER, { patient: PATIENT }, NOW)).rejects.toThrow(
      /no signed checkpoint covers ledger entry 26 yet/,
    );
  });

  it.each([
    ['pdf', 'application/pdf', '%PDF-'],
    ['csv', 'text/csv; charset=utf-8; header=present', 'date,recipient_name'],
    ['fhir', 'application/fhir+json; charset=utf-8', '{'],
  ] as const)(
    'should render %s with its type and a dated filename when asked',
    async (format, type, start) => {
      const { reports } = service();
      const rendered = await reports.render(
        OFFICER,
        { patient: PATIENT, from: new Date('2024-01-01T00:00:00Z') },
        format,
        NOW,
      );
      expect(rendered.contentType).toBe(type);
      expect(rendered.filename).toMatch(
        /^accounting-of-disclosures_2024-01-01_2025-01-15\.(pdf|csv|fhir\.json)$/,
      );
      expect(rendered.body.subarray(0, start.length).toString('utf8')).toBe(start);
      expect(rendered.entries).toBe(3);
    },
  );
});
