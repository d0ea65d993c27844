// The read side of the lineage read models: what the API serves, scoped by Viewer.
export { InvalidArgumentError, NotFoundError } from './read-errors';
export type { Queryable } from './queryable';
export { CursorCodec, type CursorKey } from './cursor-codec';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  pageSize,
  toPage,
  type Edge,
  type Page,
  type PageArgs,
  type TotalCount,
} from './page';
export type * from './read-views';
export { StudyReadService } from './study-read.service';
export {
  FindingsReadService,
  eventStudyKey,
  type EventStudyKey,
  type FindingFilter,
} from './findings-read.service';
export { VendorReadService } from './vendor-read.service';
export { TraceService } from './trace.service';
export {
  DisclosureAccountingService,
  defaultPeriodStart,
  type AccountingRequest,
  type PatientIdentifierInput,
} from './disclosure-accounting.service';
export {
  describeDisclosure,
  describeTransfer,
  isExemptDisclosure,
  isExemptTransfer,
} from './accounting-entry';
