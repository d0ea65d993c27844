// @scantrail/queries: the read side. What the API and CLI serve from the read models, scoped
// by Viewer; one folder per feature (study, findings, vendor, trace, accounting), shared
// paging/ and the reviewed SQL in sql/.
export { InvalidArgumentError, NotFoundError } from './errors/read-errors';
export { rows, type Queryable } from './sql/queryable';
export { parseTimestamptz, readIsoString } from './sql/read-types';
export { FreshRead } from './sql/fresh-read';
export { CursorCodec, type CursorKey } from './paging/cursor-codec';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  pageSize,
  pageOf,
  toPage,
  type Edge,
  type Page,
  type PageArgs,
  type TotalCount,
} from './paging/page';
export type * from './views/read-views';
export { StudyReadService } from './study/study-read.service';
export {
  FindingsReadService,
  eventStudyKey,
  type EventStudyKey,
  type FindingFilter,
} from './findings/findings-read.service';
export { findingsFreshness, type FindingsFreshness } from './findings/findings-freshness';
export { findingsGeneration } from './findings/findings-generation';
export { VendorReadService, namedOnlyVendor } from './vendor/vendor-read.service';
export { TraceService } from './trace/trace.service';
export {
  DisclosureAccountingService,
  defaultPeriodStart,
  type AccountingRequest,
  type PatientIdentifierInput,
} from './accounting/disclosure-accounting.service';
export {
  describeDisclosure,
  describeTransfer,
  isExemptDisclosure,
  isExemptTransfer,
} from './accounting/accounting-entry';
export * from './patient-rights';
