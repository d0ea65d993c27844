// Every GraphQL document the dashboard sends, with the shape of its answer. Lists are
// always asked one page at a time (PAGE_SIZE rows).
import type { ApiClient } from './graphql-client';
import type { LineageEdge, LineageNode } from '../lineage/lineage-layout';

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

export interface VendorRow {
  vendorId: string;
  name: string;
  address: string | null;
  role: string;
  studiesReceived: number;
  patientsAffected: number;
}

export interface FindingRow {
  code: string;
  studyInstanceUid: string;
  vendorId: string;
  eventId: string;
  occurredAt: string;
  ledgerSequence: number;
  detail: string;
}

export interface MonthCount {
  month: string;
  code: string;
  count: number;
}

export interface VendorCodeCount {
  vendorId: string;
  code: string;
  count: number;
}

export interface StudySummary {
  studyInstanceUid: string;
  modality: string;
  bodyPart: string | null;
  studyDate: string | null;
  methodCodes: string[];
  derivedFrom: { studyInstanceUid: string } | null;
}

export interface AccountingRow {
  date: string;
  recipientName: string;
  recipientAddress: string | null;
  description: string;
  purpose: string;
  legalBasis: string;
  disclosureId: string;
  studyInstanceUid: string;
  exempt: boolean;
  ledgerSequence: number;
}

export interface Accounting {
  from: string;
  to: string;
  entries: AccountingRow[];
}

export interface LedgerStateRow {
  treeSize: number;
  rootHash: string;
  checkpoint: string;
}

const VENDOR_FIELDS = 'vendorId name address role studiesReceived patientsAffected';
const FINDING_FIELDS = 'code studyInstanceUid vendorId eventId occurredAt ledgerSequence detail';
const PAGE_INFO = 'totalCount pageInfo { hasNextPage endCursor }';

export async function vendorsPage(
  api: ApiClient,
  after: string | null,
): Promise<Connection<VendorRow>> {
  const data = await api.query<{ vendors: Connection<VendorRow> }>(
    `query Vendors($first: Int!, $after: String) {
      vendors(first: $first, after: $after) { ${PAGE_INFO} edges { cursor node { ${VENDOR_FIELDS} } } }
    }`,
    { first: PAGE_SIZE, after },
  );
  return data.vendors;
}

export async function vendorCodeCounts(
  api: ApiClient,
  vendorIds: readonly string[],
): Promise<VendorCodeCount[]> {
  if (vendorIds.length === 0) return [];
  const data = await api.query<{ findingCountsByVendor: VendorCodeCount[] }>(
    `query VendorCodeCounts($ids: [String!]!) {
      findingCountsByVendor(vendorIds: $ids) { vendorId code count }
    }`,
    { ids: vendorIds },
  );
  return data.findingCountsByVendor;
}

export async function vendor(api: ApiClient, vendorId: string): Promise<VendorRow | null> {
  const data = await api.query<{ vendor: VendorRow | null }>(
    `query Vendor($id: String!) { vendor(vendorId: $id) { ${VENDOR_FIELDS} } }`,
    { id: vendorId },
  );
  return data.vendor;
}

export async function monthCounts(api: ApiClient, vendorId: string | null): Promise<MonthCount[]> {
  const data = await api.query<{ findingCountsByMonth: MonthCount[] }>(
    `query MonthCounts($vendorId: String) {
      findingCountsByMonth(vendorId: $vendorId) { month code count }
    }`,
    { vendorId },
  );
  return data.findingCountsByMonth;
}

export async function findingsPage(
  api: ApiClient,
  filter: { vendorId?: string; code?: string; studyInstanceUid?: string },
  after: string | null,
): Promise<Connection<FindingRow>> {
  const data = await api.query<{ findings: Connection<FindingRow> }>(
    `query Findings($vendorId: String, $code: FindingCode, $study: String, $first: Int!, $after: String) {
      findings(vendorId: $vendorId, code: $code, studyInstanceUid: $study, first: $first, after: $after) {
        ${PAGE_INFO} edges { cursor node { ${FINDING_FIELDS} } }
      }
    }`,
    {
      vendorId: filter.vendorId ?? null,
      code: filter.code ?? null,
      study: filter.studyInstanceUid ?? null,
      first: PAGE_SIZE,
      after,
    },
  );
  return data.findings;
}

export async function trace(
  api: ApiClient,
  studyInstanceUid: string,
): Promise<{ study: StudySummary | null; nodes: LineageNode[]; edges: LineageEdge[] }> {
  const data = await api.query<{
    study: StudySummary | null;
    trace: { nodes: LineageNode[]; edges: LineageEdge[] };
  }>(
    `query Trace($uid: String!) {
      study(studyInstanceUid: $uid) {
        studyInstanceUid modality bodyPart studyDate methodCodes derivedFrom { studyInstanceUid }
      }
      trace(studyInstanceUid: $uid) {
        nodes { id kind label }
        edges { from to kind occurredAt eventId ledgerSequence channel }
      }
    }`,
    { uid: studyInstanceUid },
  );
  return { study: data.study, ...data.trace };
}

export async function accounting(
  api: ApiClient,
  patient: { system: string; value: string },
  from: string | null,
  to: string | null,
): Promise<Accounting> {
  const data = await api.query<{ accountingOfDisclosures: Accounting }>(
    `query Accounting($patient: PatientIdentifierInput!, $from: DateTime, $to: DateTime) {
      accountingOfDisclosures(patient: $patient, from: $from, to: $to) {
        from to
        entries { date recipientName recipientAddress description purpose legalBasis
                  disclosureId studyInstanceUid exempt ledgerSequence }
      }
    }`,
    { patient, from, to },
  );
  return data.accountingOfDisclosures;
}

export async function ledgerState(
  api: ApiClient,
): Promise<{ ledger: LedgerStateRow; verifierKey: string }> {
  return api.query<{ ledger: LedgerStateRow; verifierKey: string }>(
    `query Ledger { ledger { treeSize rootHash checkpoint } verifierKey }`,
  );
}
