import type { Response } from 'express';
import { PRIVATE_NO_STORE } from '../auth/private-response';

/** A rendered report or letter: what both report routes hand out. */
export interface ReportDownload {
  contentType: string;
  filename: string;
  body: Buffer;
}

/**
 * Sends `report` as a file to save. It names a patient: no cache keeps a copy, and the
 * browser may not guess another type than the one it is given.
 */
export function sendReportDownload(res: Response, report: ReportDownload): void {
  res
    .status(200)
    .set({
      'Content-Type': report.contentType,
      'Content-Disposition': `attachment; filename="${report.filename}"`,
      'Content-Length': String(report.body.length),
      'Cache-Control': PRIVATE_NO_STORE,
      'X-Content-Type-Options': 'nosniff',
    })
    .end(report.body);
}
