import { Body, Controller, HttpCode, NotFoundException, Post, Req, Res } from '@nestjs/common';
import { InvalidArgumentError } from '@scantrail/queries';
import {
  PatientRightsReportService,
  parseRightsAsOf,
  parseRightsReportFormat,
  type RenderedRightsReport,
} from '@scantrail/reports';
import type { Request, Response } from 'express';
import { viewerOf } from '../auth/request-viewer';
import { sendReportDownload } from './report-download';
import { asHttpError } from './report-http-errors';

type Fields = Record<string, unknown>;

function fieldsOf(body: unknown): Fields {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('the body must be a JSON object');
  }
  return body as Fields;
}

function text(fields: Fields, name: string, required: boolean): string | undefined {
  const value = fields[name];
  if ((value === undefined || value === null) && !required) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw new InvalidArgumentError(`${name} must be ${required ? 'given as ' : ''}non-empty text`);
}

const asOf = (fields: Fields): Date | undefined => parseRightsAsOf(text(fields, 'asOf', false));

/**
 * The take-home files of deletion requests and breaches, for privacy officers, by POST
 * with the ids in a JSON body (never in a URL):
 *  - /reports/deletion-request `{ requestId, asOf?, format?: pdf|csv }` (access-logged)
 *  - /reports/open-obligations `{ asOf? }` (CSV)
 *  - /reports/breach `{ breachId, format?: pdf|csv }` (PDF summary, CSV worklist)
 */
@Controller('reports')
export class PatientRightsReportController {
  constructor(private readonly reports: PatientRightsReportService) {}

  @Post('deletion-request')
  @HttpCode(200)
  deletionRequest(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    return this.answer(res, () => {
      const fields = fieldsOf(body);
      return this.reports.deletionRequest(
        viewerOf(req),
        text(fields, 'requestId', true) as string,
        asOf(fields),
        parseRightsReportFormat(text(fields, 'format', false)),
      );
    });
  }

  @Post('open-obligations')
  @HttpCode(200)
  openObligations(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    return this.answer(res, () =>
      this.reports.openObligations(viewerOf(req), asOf(fieldsOf(body ?? {}))),
    );
  }

  @Post('breach')
  @HttpCode(200)
  breach(@Req() req: Request, @Res() res: Response, @Body() body: unknown): Promise<void> {
    return this.answer(res, () => {
      const fields = fieldsOf(body);
      return this.reports.breach(
        viewerOf(req),
        text(fields, 'breachId', true) as string,
        parseRightsReportFormat(text(fields, 'format', false)),
      );
    });
  }

  private async answer(
    res: Response,
    produce: () => Promise<RenderedRightsReport | null>,
  ): Promise<void> {
    let report: RenderedRightsReport | null;
    try {
      report = await produce();
    } catch (error) {
      throw asHttpError(error, res);
    }
    if (report === null) throw new NotFoundException('no such request or breach (as of that time)');
    sendReportDownload(res, report);
  }
}
