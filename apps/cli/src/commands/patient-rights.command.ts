import { writeOwnerOnlyFile } from '../owner-only-file';
import { AccessLogService, Viewer } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import { NotFoundError, PatientRightsReadService, VendorReadService } from '@scantrail/queries';
import {
  PatientRightsReportService,
  parseRightsAsOf,
  parseRightsReportFormat,
  type RenderedRightsReport,
} from '@scantrail/reports';
import type { Database } from '@scantrail/storage';
import { cliReportSignOff, operator } from './report.command';

/** Which take-home file of section 3.1 to write, with its arguments as typed. */
export type PatientRightsFile =
  | { kind: 'deletion-letter'; requestId: string; asOf?: string; format?: string }
  | { kind: 'open-obligations'; asOf?: string }
  | { kind: 'breach-summary' | 'breach-worklist'; breachId: string };

/**
 * Writes a deletion request's status letter (PDF or CSV), the open obligations per vendor
 * (CSV), or a breach's summary (PDF) or notification worklist (CSV) to a file, read straight
 * from the database, as the API's /reports/* would. The operator acts as a privacy officer;
 * the letter names a patient and is recorded in the access log as `deletionRequestReport`
 * with actor `cli:<os user>`.
 */
export async function writePatientRightsFile(
  settings: Settings,
  db: Database,
  file: PatientRightsFile,
  out: string,
): Promise<RenderedRightsReport> {
  // Arguments first: a mistyped date must not leave an access log entry.
  const asOf = 'asOf' in file ? parseRightsAsOf(file.asOf) : undefined;
  const format = file.kind === 'deletion-letter' ? parseRightsReportFormat(file.format) : 'pdf';

  const ds = db.dataSource;
  const reports = new PatientRightsReportService({
    rights: new PatientRightsReadService(ds, new AccessLogService()),
    vendors: new VendorReadService(ds),
    ...cliReportSignOff(settings, db),
  });
  const viewer = new Viewer(operator(), ['privacy_officer']);
  let report: RenderedRightsReport | null;
  switch (file.kind) {
    case 'deletion-letter':
      report = await reports.deletionRequest(viewer, file.requestId, asOf, format);
      if (report === null) {
        throw new NotFoundError(
          `no deletion request ${file.requestId}${asOf ? ` as of ${asOf.toISOString()}` : ''}`,
        );
      }
      break;
    case 'open-obligations':
      report = await reports.openObligations(viewer, asOf);
      break;
    case 'breach-summary':
    case 'breach-worklist':
      report = await reports.breach(
        viewer,
        file.breachId,
        file.kind === 'breach-summary' ? 'pdf' : 'csv',
      );
      if (report === null) throw new NotFoundError(`no breach report ${file.breachId}`);
      break;
  }
  // A letter or worklist about patients: readable by its owner only.
  await writeOwnerOnlyFile(out, report.body);
  return report;
}
