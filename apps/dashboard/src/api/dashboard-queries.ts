// The GraphQL documents of the overview, vendor, lineage, patient and ledger pages. Their
// answers' types are generated from the API's schema (npm run codegen). Lists are always
// asked one page at a time (PAGE_SIZE rows).
import type { ApiClient } from './graphql-client';
import { MAX_MONTHS } from '../charts/month-series';
import type {
  AccountingQuery,
  AccountingQueryVariables,
  FindingsQuery,
  FindingsQueryVariables,
  FindingCode,
  LedgerQuery,
  MonthCountsQuery,
  MonthCountsQueryVariables,
  TraceQuery,
  TraceQueryVariables,
  VendorCodeCountsQuery,
  VendorCodeCountsQueryVariables,
  VendorQuery,
  VendorQueryVariables,
  VendorsQuery,
  VendorsQueryVariables,
} from './graphql-types.generated';

export const PAGE_SIZE = 50;

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<T> {
  totalCount: number;
  pageInfo: PageInfo;
  edges: { cursor: string; node: T }[];
}

export type VendorRow = NonNullable<VendorQuery['vendor']>;
export type FindingRow = FindingsQuery['findings']['edges'][number]['node'];
export type MonthCount = MonthCountsQuery['findingCountsByMonth'][number];
export type CodeCount = MonthCountsQuery['findingCountsByCode'][number];
export type VendorCodeCount = VendorCodeCountsQuery['findingCountsByVendor'][number];
export type StudySummary = NonNullable<TraceQuery['study']>;
export type Accounting = AccountingQuery['accountingOfDisclosures'];
export type AccountingRow = Accounting['entries'][number];
export type LedgerStateRow = LedgerQuery['ledger'];

const VENDORS = /* GraphQL */ `
  query Vendors($first: Int!, $after: String) {
    vendors(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          vendorId
          name
          address
          role
          studiesReceived
          patientsAffected
        }
      }
    }
  }
`;

export async function vendorsPage(
  api: ApiClient,
  after: string | null,
): Promise<Connection<VendorRow>> {
  const variables: VendorsQueryVariables = { first: PAGE_SIZE, after };
  return (await api.query<VendorsQuery>(VENDORS, variables)).vendors;
}

const VENDOR_CODE_COUNTS = /* GraphQL */ `
  query VendorCodeCounts($ids: [String!]!) {
    findingCountsByVendor(vendorIds: $ids) {
      vendorId
      code
      count
    }
  }
`;

export async function vendorCodeCounts(
  api: ApiClient,
  vendorIds: readonly string[],
): Promise<VendorCodeCount[]> {
  if (vendorIds.length === 0) return [];
  const variables: VendorCodeCountsQueryVariables = { ids: [...vendorIds] };
  return (await api.query<VendorCodeCountsQuery>(VENDOR_CODE_COUNTS, variables))
    .findingCountsByVendor;
}

const VENDOR = /* GraphQL */ `
  query Vendor($id: String!) {
    vendor(vendorId: $id) {
      vendorId
      name
      address
      role
      studiesReceived
      patientsAffected
    }
  }
`;

export async function vendor(api: ApiClient, vendorId: string): Promise<VendorRow | null> {
  const variables: VendorQueryVariables = { id: vendorId };
  return (await api.query<VendorQuery>(VENDOR, variables)).vendor ?? null;
}

const MONTH_COUNTS = /* GraphQL */ `
  query MonthCounts($vendorId: String, $lastMonths: Int!) {
    findingCountsByMonth(vendorId: $vendorId, lastMonths: $lastMonths) {
      month
      code
      count
    }
    findingCountsByCode(vendorId: $vendorId) {
      code
      count
    }
  }
`;

/**
 * What the findings chart draws: the latest MAX_MONTHS months (the API reads those alone,
 * whatever span the ledger covers) and every month's totals per code for the legend.
 */
export async function monthCounts(
  api: ApiClient,
  vendorId: string | null,
): Promise<{ months: MonthCount[]; totals: CodeCount[] }> {
  const variables: MonthCountsQueryVariables = { vendorId, lastMonths: MAX_MONTHS };
  const answer = await api.query<MonthCountsQuery>(MONTH_COUNTS, variables);
  return { months: answer.findingCountsByMonth, totals: answer.findingCountsByCode };
}

const FINDINGS = /* GraphQL */ `
  query Findings(
    $vendorId: String
    $code: FindingCode
    $study: String
    $first: Int!
    $after: String
  ) {
    findings(
      vendorId: $vendorId
      code: $code
      studyInstanceUid: $study
      first: $first
      after: $after
    ) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          code
          studyInstanceUid
          vendorId
          eventId
          occurredAt
          ledgerSequence
          detail
        }
      }
    }
  }
`;

export async function findingsPage(
  api: ApiClient,
  filter: { vendorId?: string; code?: FindingCode; studyInstanceUid?: string },
  after: string | null,
): Promise<Connection<FindingRow>> {
  const variables: FindingsQueryVariables = {
    vendorId: filter.vendorId ?? null,
    code: filter.code ?? null,
    study: filter.studyInstanceUid ?? null,
    first: PAGE_SIZE,
    after,
  };
  return (await api.query<FindingsQuery>(FINDINGS, variables)).findings;
}

const TRACE = /* GraphQL */ `
  query Trace($uid: String!) {
    study(studyInstanceUid: $uid) {
      studyInstanceUid
      modality
      bodyPart
      studyDate
      methodCodes
      derivedFrom {
        studyInstanceUid
      }
    }
    trace(studyInstanceUid: $uid) {
      nodes {
        id
        kind
        label
      }
      edges {
        from
        to
        kind
        occurredAt
        eventId
        ledgerSequence
        channel
      }
    }
  }
`;

export async function trace(
  api: ApiClient,
  studyInstanceUid: string,
): Promise<{ study: StudySummary | null } & TraceQuery['trace']> {
  const variables: TraceQueryVariables = { uid: studyInstanceUid };
  const data = await api.query<TraceQuery>(TRACE, variables);
  return { study: data.study ?? null, ...data.trace };
}

const ACCOUNTING = /* GraphQL */ `
  query Accounting($patient: PatientIdentifierInput!, $from: DateTime, $to: DateTime) {
    accountingOfDisclosures(patient: $patient, from: $from, to: $to) {
      from
      to
      entries {
        date
        recipientName
        recipientAddress
        description
        purpose
        legalBasis
        disclosureId
        studyInstanceUid
        exempt
        ledgerSequence
      }
    }
  }
`;

export async function accounting(
  api: ApiClient,
  patient: { system: string; value: string },
  from: string | null,
  to: string | null,
): Promise<Accounting> {
  const variables: AccountingQueryVariables = { patient, from, to };
  return (await api.query<AccountingQuery>(ACCOUNTING, variables)).accountingOfDisclosures;
}

const LEDGER = /* GraphQL */ `
  query Ledger {
    ledger {
      treeSize
      rootHash
      checkpoint
    }
    verifierKey
  }
`;

export async function ledgerState(api: ApiClient): Promise<LedgerQuery> {
  return api.query<LedgerQuery>(LEDGER);
}
