import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { formatCheckpoint, noteKeyId, parseSignerKey, signNote } from '@scantrail/ledger';
import type {
  AccountingReport,
  AccountingReportEntry,
  ReportCheckpoint,
} from '../accounting/accounting-report';

// A realistic report built from fixed values, for renderer tests and the sample page in
// docs/report-example: no database, and the same bytes of data on every run.

const ORIGIN = 'scantrail.local/ledger';
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A checkpoint signed by a key derived from a fixed seed (an example, not a secret). */
export function exampleCheckpoint(treeSize = 1042): ReportCheckpoint {
  const seed = createHash('sha256').update('scantrail example signer').digest();
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey)
    .export({ format: 'der', type: 'spki' })
    .subarray(-32);
  const id = noteKeyId(ORIGIN, publicKey).toString(16).padStart(8, '0');
  const encode = (raw: Uint8Array): string =>
    Buffer.concat([Buffer.from([0x01]), raw]).toString('base64');
  const signer = parseSignerKey(`PRIVATE+KEY+${ORIGIN}+${id}+${encode(seed)}`);
  const rootHash = createHash('sha256').update(`example tree ${treeSize}`).digest();
  return {
    origin: ORIGIN,
    treeSize,
    rootHash: rootHash.toString('base64'),
    note: signNote(formatCheckpoint({ origin: ORIGIN, size: treeSize, rootHash }), signer),
    verifierKey: signer.verifierKey,
  };
}

const VENDORS = {
  acme: { id: 'vnd-acme', name: 'Acme Imaging AI', address: '1 Main St, Springfield' },
  cloud: { id: 'vnd-cloud', name: 'Cloud Host Inc', address: '9 Server Rd' },
  research: {
    id: 'vnd-research',
    name: 'Research Partner University, Department of Radiology',
    address: 'Imaging Sciences Building, 5 Campus Way, Springfield, IL 62704, USA',
  },
} as const;

type Vendor = (typeof VENDORS)[keyof typeof VENDORS];

const BASE: Omit<AccountingReportEntry, 'date' | 'ledgerSequence'>[] = [
  disclosure(
    VENDORS.research,
    'TREATMENT',
    'TREATMENT',
    true,
    'CT HEAD imaging study of 2018-01-09',
    '1.2.840.99.1',
    'dsc-old',
  ),
  disclosure(
    VENDORS.acme,
    'AI_TRAINING',
    'DEIDENTIFIED',
    true,
    'De-identified copy of a CT HEAD imaging study of 2024-04-30, as part of dataset "Head CT 2024"',
    '2.25.991',
    'dsc-1',
  ),
  transfer(
    VENDORS.cloud,
    VENDORS.acme,
    'AI_TRAINING',
    true,
    'De-identified copy of a CT HEAD imaging study of 2024-04-30, as part of dataset "Head CT 2024", passed on by Acme Imaging AI (onward transfer)',
    '2.25.991',
    'trf-1',
  ),
  disclosure(
    VENDORS.research,
    'RESEARCH',
    'PATIENT_AUTHORIZATION',
    true,
    'CT HEAD imaging study of 2024-04-30',
    '1.2.840.99.1',
    'dsc-2',
  ),
  disclosure(
    VENDORS.acme,
    'AI_TRAINING',
    'PATIENT_AUTHORIZATION',
    false,
    'MR BRAIN imaging study of 2024-04-01',
    '1.2.840.99.2',
    'dsc-3',
  ),
  disclosure(
    VENDORS.research,
    'RESEARCH',
    'IRB_WAIVER',
    false,
    'MR BRAIN imaging study of 2024-04-01',
    '1.2.840.99.2',
    'dsc-4',
  ),
  disclosure(
    VENDORS.acme,
    'AI_TRAINING',
    'DEIDENTIFIED',
    true,
    'De-identified copy of a CT HEAD imaging study of 2024-04-30',
    '2.25.992',
    'dsc-6',
  ),
];

function disclosure(
  to: Vendor,
  purpose: string,
  legalBasis: string,
  exempt: boolean,
  description: string,
  studyInstanceUid: string,
  disclosureId: string,
): Omit<AccountingReportEntry, 'date' | 'ledgerSequence'> {
  return {
    recipientName: to.name,
    recipientAddress: to.address,
    description,
    purpose,
    legalBasis,
    disclosureId,
    studyInstanceUid,
    exempt,
    eventId: `evt-${disclosureId}`,
    eventSource: 'urn:example:hospital:pacs',
    recipientVendorId: to.id,
    senderVendorId: null,
    senderName: null,
  };
}

function transfer(
  to: Vendor,
  from: Vendor,
  purpose: string,
  exempt: boolean,
  description: string,
  studyInstanceUid: string,
  transferId: string,
): Omit<AccountingReportEntry, 'date' | 'ledgerSequence'> {
  return {
    ...disclosure(
      to,
      purpose,
      'ONWARD_TRANSFER',
      exempt,
      description,
      studyInstanceUid,
      transferId,
    ),
    eventSource: `urn:example:vendor:${from.id}`,
    senderVendorId: from.id,
    senderName: from.name,
  };
}

/**
 * An example report with `count` entries (default: the seven of the sample), dated a few
 * days apart from 2018-01-10 on; entries past the seventh repeat the sample.
 */
export function exampleAccountingReport(count = BASE.length): AccountingReport {
  const start = Date.UTC(2018, 0, 10);
  const entries = Array.from({ length: count }, (_, i) => ({
    ...BASE[i % BASE.length],
    date: new Date(i === 0 ? start : Date.UTC(2024, 5, 1) + (i - 1) * 3 * 86_400_000),
    ledgerSequence: 20 + i * 3,
  }));
  return {
    organisation: 'scantrail demo hospital',
    patient: { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'MRN-004211' },
    from: new Date('2018-01-01T00:00:00.000Z'),
    to: new Date('2024-12-31T23:59:59.999Z'),
    generatedAt: new Date('2025-01-15T09:30:00.000Z'),
    requestedBy: 'officer-1',
    entries,
    checkpoint: exampleCheckpoint(),
  };
}
