import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  AccountingReportService,
  parsePeriodBound,
  parseReportFormat,
  patientFromParts,
  type RenderedReport,
} from '@scantrail/reports';
import { InvalidArgumentError } from '@scantrail/queries';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER } from '../api-tokens';
import { viewerOf } from '../auth/request-viewer';
import { sendReportDownload } from './report-download';
import { asHttpError } from './report-http-errors';

type QueryParameters = Record<string, unknown>;

/** One parameter given once; a repeated or structured one is a bad argument. */
function single(query: QueryParameters, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidArgumentError(`${name} must be given once, as text`);
}

/** A text member of a JSON body given at most once: absent or null is "not given". */
function member(body: QueryParameters, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || typeof value === 'string') return value ?? undefined;
  throw new InvalidArgumentError(`${name} must be text`);
}

/** The JSON body of a POST: `{ patient: { system, value }, from?, to?, format? }`. */
function fromBody(body: unknown): QueryParameters {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError(
      'the body must be a JSON object: { "patient": { "system", "value" }, "from", "to", "format" }',
    );
  }
  const fields = body as QueryParameters;
  const patient = fields.patient;
  if (typeof patient !== 'object' || patient === null || Array.isArray(patient)) {
    throw new InvalidArgumentError('patient must be an object { "system", "value" }');
  }
  const parts = patient as QueryParameters;
  return {
    system: member(parts, 'system'),
    value: member(parts, 'value'),
    from: member(fields, 'from'),
    to: member(fields, 'to'),
    format: member(fields, 'format'),
  };
}

/**
 * The accounting of disclosures of one patient as a document to hand over, for privacy
 * officers only (it shows the identifier in clear):
 * `POST /reports/accounting` with `{ "patient": { "system", "value" }, "from", "to",
 * "format": "pdf|csv|fhir" }` as JSON, so the identifier stays out of URLs and access
 * logs. The GET form (`?system=&value=`, not in the contract) is gone: it put the
 * identifier in the URL, which proxies and browsers keep; a GET is answered 405 without
 * reading its query. Each report is written to the access log as `accountingReport`
 * before it is computed; a refused request is not logged.
 */
@Controller('reports')
export class AccountingReportController {
  constructor(
    private readonly reports: AccountingReportService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The removed GET form: says how to ask instead, never echoing the query. */
  @Get('accounting')
  accountingByGet(@Res() res: Response): void {
    res.status(405).set('Allow', 'POST').json({
      statusCode: 405,
      message:
        'use POST /reports/accounting with a JSON body { "patient": { "system", "value" }, "from", "to", "format" }: a patient identifier does not belong in a URL',
    });
  }

  @Post('accounting')
  @HttpCode(200)
  accountingByPost(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: unknown,
  ): Promise<void> {
    return this.answer(req, res, () => fromBody(body));
  }

  private async answer(
    req: Request,
    res: Response,
    parameters: () => QueryParameters,
  ): Promise<void> {
    const viewer = viewerOf(req);
    let report: RenderedReport;
    try {
      // The role first: arguments are not even read for a viewer who may not ask.
      viewer.require('clear-identifiers', AccountingReportService.OPERATION);
      const query = parameters();
      const format = parseReportFormat(single(query, 'format'));
      const patient = patientFromParts(single(query, 'system'), single(query, 'value'));
      const from = parsePeriodBound(single(query, 'from'), 'from');
      const to = parsePeriodBound(single(query, 'to'), 'to');
      report = await this.reports.render(viewer, { patient, from, to }, format);
    } catch (error) {
      throw asHttpError(error, res);
    }
    this.logger.info(
      {
        actor: viewer.subject,
        format: report.format,
        entries: report.entries,
        treeSize: report.treeSize,
      },
      'accounting report produced',
    );
    sendReportDownload(res, report);
  }
}
