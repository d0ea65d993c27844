import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  Inject,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { AccessDeniedError } from '@scantrail/access';
import {
  AccountingReportService,
  InvalidArgumentError,
  parsePeriodBound,
  parseReportFormat,
  patientFromParts,
  type RenderedReport,
} from '@scantrail/lineage';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER } from '../api-tokens';
import { viewerOf } from '../auth/request-viewer';

type QueryParameters = Record<string, unknown>;

/** One query parameter given once; a repeated or structured one is a bad argument. */
function single(query: QueryParameters, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidArgumentError(`${name} must be given once, as text`);
}

/** Our coded errors as HTTP errors; anything else stays a 500 (logged by the filter). */
function asHttpError(error: unknown): unknown {
  if (error instanceof InvalidArgumentError) return new BadRequestException(error.message);
  if (error instanceof AccessDeniedError) return new ForbiddenException(error.message);
  return error;
}

/**
 * `GET /reports/accounting?system=&value=&from=&to=&format=pdf|csv|fhir`: the accounting
 * of disclosures of one patient as a document to hand over, for privacy officers only
 * (it shows the identifier in clear). Each report is written to the access log as
 * `accountingReport` before it is computed; a refused request is not logged.
 */
@Controller('reports')
export class AccountingReportController {
  constructor(
    private readonly reports: AccountingReportService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('accounting')
  async accounting(
    @Req() req: Request,
    @Res() res: Response,
    @Query() query: QueryParameters,
  ): Promise<void> {
    const viewer = viewerOf(req);
    let report: RenderedReport;
    try {
      // The role first: arguments are not even read for a viewer who may not ask.
      viewer.require('clear-identifiers', AccountingReportService.OPERATION);
      const format = parseReportFormat(single(query, 'format'));
      const patient = patientFromParts(single(query, 'system'), single(query, 'value'));
      const from = parsePeriodBound(single(query, 'from'), 'from');
      const to = parsePeriodBound(single(query, 'to'), 'to');
      report = await this.reports.render(viewer, { patient, from, to }, format);
    } catch (error) {
      throw asHttpError(error);
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
    res
      .status(200)
      .set({
        'Content-Type': report.contentType,
        'Content-Disposition': `attachment; filename="${report.filename}"`,
        'Content-Length': String(report.body.length),
        // A document naming a patient: no cache keeps a copy.
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      })
      .end(report.body);
  }
}
