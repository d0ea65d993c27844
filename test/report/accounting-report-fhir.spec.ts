import { PURPOSES } from '@scantrail/contract';
import {
  accountingReportBundle,
  FHIR_SYSTEMS,
  PURPOSE_OF_USE,
  type AuditEvent,
  type Binary,
} from '@scantrail/reports';
import { exampleAccountingReport } from '@scantrail/reports/testing';
import {
  auditEventProblems,
  balpPrivacyDisclosureSourceProblems,
  bundleProblems,
} from './fhir-r4-structure';

const report = exampleAccountingReport();
const bundle = accountingReportBundle(report);
// Through JSON, as a client receives it.
const json = JSON.parse(JSON.stringify(bundle)) as typeof bundle;
const events = json.entry
  .map((e) => e.resource)
  .filter((r): r is AuditEvent => r.resourceType === 'AuditEvent');

describe('accountingReportBundle', () => {
  it('should be a structurally valid R4 collection Bundle when built from a report', () => {
    expect(bundleProblems(json)).toEqual([]);
    expect(json.type).toBe('collection');
    expect(events).toHaveLength(report.entries.length);
  });

  it('should follow BALP PrivacyDisclosure.Source in every AuditEvent when built', () => {
    for (const event of events) {
      expect(
        balpPrivacyDisclosureSourceProblems(event as unknown as Record<string, unknown>),
      ).toEqual([]);
    }
  });

  it('should name the recipient, the patient and the study when an entry is a disclosure', () => {
    const event = events[1];
    const recipient = event.agent.find((a) => a.type.coding[0].code === '110152');
    expect(recipient).toMatchObject({
      name: 'Acme Imaging AI',
      who: {
        identifier: { system: FHIR_SYSTEMS.vendor, value: 'vnd-acme' },
        display: 'Acme Imaging AI',
      },
      requestor: false,
    });
    expect(event.entity[0].what.identifier).toEqual(report.patient);
    expect(event.entity[1].what).toEqual({
      type: 'ImagingStudy',
      identifier: { system: 'urn:dicom:uid', value: 'urn:oid:2.25.991' },
    });
    expect(event.entity[1].detail).toEqual(
      expect.arrayContaining([
        { type: 'legalBasis', valueString: 'DEIDENTIFIED' },
        { type: 'requiredInHipaaAccounting', valueString: 'false' },
        { type: 'disclosureId', valueString: 'dsc-1' },
        { type: 'ledgerSequence', valueString: '23' },
      ]),
    );
    expect(event.purposeOfEvent[0].coding.map((c) => c.code)).toEqual(['HRESCH', 'AI_TRAINING']);
    expect(event.recorded).toBe('2024-06-01T00:00:00.000Z');
  });

  it('should make the sending vendor the source when an entry is an onward transfer', () => {
    const event = events[2];
    const source = event.agent.find((a) => a.type.coding[0].code === '110153');
    expect(source?.who).toEqual({
      type: 'Organization',
      identifier: { system: FHIR_SYSTEMS.vendor, value: 'vnd-acme' },
      display: 'Acme Imaging AI',
    });
    expect(event.source.observer).toEqual(source?.who);
    expect(event.entity[1].detail).toEqual(
      expect.arrayContaining([{ type: 'transferId', valueString: 'trf-1' }]),
    );
  });

  it('should carry the signed checkpoint and the verifier key when built', () => {
    const binaries = json.entry
      .map((e) => e.resource)
      .filter((r): r is Binary => r.resourceType === 'Binary');
    const texts = binaries.map((b) => Buffer.from(b.data, 'base64').toString('utf8'));
    expect(texts).toEqual([report.checkpoint.note, `${report.checkpoint.verifierKey}\n`]);
    expect(json.identifier.value).toBe(
      `${report.checkpoint.origin}/${report.checkpoint.treeSize}/${report.checkpoint.rootHash}`,
    );
  });

  it('should give the same ids when the same report is built twice', () => {
    expect(accountingReportBundle(report)).toEqual(bundle);
  });

  it('should map every contract Purpose to an HL7 PurposeOfUse code when one is asked', () => {
    expect(Object.keys(PURPOSE_OF_USE).sort()).toEqual([...PURPOSES].sort());
  });
});

describe('the structural validator', () => {
  const good = events[0] as unknown as Record<string, unknown>;
  const without = (key: string): Record<string, unknown> =>
    Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));
  it.each<[string, Record<string, unknown>, string]>([
    ['no type', without('type'), 'AuditEvent.type: is required'],
    ['no recorded', without('recorded'), 'AuditEvent.recorded: is required'],
    ['no source', without('source'), 'AuditEvent.source: is required'],
    ['no agent', without('agent'), 'AuditEvent.agent: is required'],
    [
      'a date as recorded',
      { ...good, recorded: '2024-06-01' },
      'AuditEvent.recorded: has a bad format',
    ],
    ['a list as type', { ...good, type: [good.type] }, 'AuditEvent.type: must be a single value'],
    ['an unknown element', { ...good, severity: 'low' }, 'AuditEvent.severity: is not an element'],
    ['a bad action', { ...good, action: 'X' }, 'AuditEvent.action: must be one of'],
    [
      'an agent without requestor',
      { ...good, agent: [{ who: { display: 'x' } }] },
      'AuditEvent.agent[0].requestor: is required',
    ],
    [
      'an unknown code',
      { ...good, type: { system: FHIR_SYSTEMS.dicom, code: '999999' } },
      'AuditEvent.type.code: 999999 is not a code',
    ],
    ['an empty array', { ...good, subtype: [] }, 'AuditEvent.subtype: must not be an empty array'],
  ])('should report a problem when an AuditEvent has %s', (_, event, expected) => {
    expect(auditEventProblems(event).join('\n')).toContain(expected);
  });

  it('should report a source agent that is not the observer when BALP is checked', () => {
    const source = {
      ...(good.source as Record<string, unknown>),
      observer: { display: 'someone else' },
    };
    expect(balpPrivacyDisclosureSourceProblems({ ...good, source }).join('\n')).toContain(
      'val-audit-source',
    );
  });
});
