// A copy that moved the patient's name or ID out of the attributes the profile names: the
// contract's codes look at those by tag, so it passed. With the original at hand, the
// inspection now looks for them in every text of the copy (PATIENT_IDENTITY_ELSEWHERE).
import type { DicomJsonDataset } from '../dicom-json/dicom-json.types';
import { TRANSFER_SYNTAX, buildInstance, testUid } from '../testing/dicom-study.factory';
import { readPart10Header } from '../part10/part10-header.reader';
import { containsWhole, identityNeedles } from './patient-identity-elsewhere';
import { inspectStudy } from './study-inspection';

/** A properly de-identified copy: marked, Basic Profile and Retain Safe Private declared. */
const clean = (): DicomJsonDataset => ({
  '0020000D': { vr: 'UI', Value: ['2.25.77'] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'ANON^PATIENT' }] },
  '00100020': { vr: 'LO', Value: ['PSEUDO-0001'] },
  '00120062': { vr: 'CS', Value: ['YES'] },
  '00120064': {
    vr: 'SQ',
    Value: ['113100', '113111'].map((code) => ({ '00080100': { vr: 'SH', Value: [code] } })),
  },
});

/** The original: the patient John Q. Doe, MRN-004211, and an older ID in Other Patient IDs. */
const original = (): DicomJsonDataset => ({
  ...clean(),
  '0020000D': { vr: 'UI', Value: ['1.2.3.9'] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^John^Q' }] },
  '00100020': { vr: 'LO', Value: ['MRN-004211'] },
  '00101002': {
    vr: 'SQ',
    Value: [{ '00100020': { vr: 'LO', Value: ['77310042'] } }],
  },
});

const elsewhere = (copy: DicomJsonDataset, originals = [original()]) =>
  inspectStudy({ instances: [copy], originalInstances: originals })
    .issues.filter((issue) => issue.code === 'PATIENT_IDENTITY_ELSEWHERE')
    .map(({ tag, keyword }) => ({ tag, keyword }));

describe('inspectStudy: the patient named elsewhere in the copy (PATIENT_IDENTITY_ELSEWHERE)', () => {
  it('should pass a clean copy, whose other names and numbers are not the patient', () => {
    const copy: DicomJsonDataset = {
      ...clean(),
      // Not the patient: another Doe, a number holding the ID's digits inside a longer one, a
      // UID and a series number made of them, a private text naming no one.
      '00090010': { vr: 'LO', Value: ['ACME 1.0'] },
      '00091001': { vr: 'LO', Value: ['JOHNSON DOE-RAY protocol 4211'] },
      '00091003': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
      '00080050': { vr: 'SH', Value: ['A773100421'] },
      '00080018': { vr: 'UI', Value: ['1.2.77310042.1'] },
      '00200011': { vr: 'IS', Value: ['77310042'] },
    };
    const inspection = inspectStudy({ instances: [copy], originalInstances: [original()] });
    expect(inspection.issues).toEqual([]);
    expect(inspection.result).toBe('PASS');
  });

  it.each<[string, DicomJsonDataset, { tag: string; keyword?: string }]>([
    [
      'the MRN in a private attribute kept under Retain Safe Private (113111)',
      {
        '00090010': { vr: 'LO', Value: ['ACME 1.0'] },
        '00091001': { vr: 'LO', Value: ['MRN-004211'] },
      },
      { tag: '0009,1001' },
    ],
    [
      'the MRN in a private attribute sent without its vr (not taken for a UID)',
      {
        '00090010': { vr: 'LO', Value: ['ACME 1.0'] },
        '00091001': { Value: ['MRN-004211'] },
      },
      { tag: '0009,1001' },
    ],
    [
      'the name, as a person writes it, in the study description',
      { '00081030': { vr: 'LO', Value: ['CT head for john q doe, follow-up'] } },
      { tag: '0008,1030', keyword: 'StudyDescription' },
    ],
    [
      'the name "Family, Given" in Image Comments',
      { '00204000': { vr: 'LT', Value: ['Patient DOE, JOHN moved during scan'] } },
      { tag: '0020,4000', keyword: 'ImageComments' },
    ],
    [
      'the name in Referring Physician Name',
      { '00080090': { vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] } },
      { tag: '0008,0090', keyword: 'ReferringPhysicianName' },
    ],
    [
      'the old ID of Other Patient IDs Sequence in an item of a private sequence',
      {
        '00290010': { vr: 'LO', Value: ['ACME 1.0'] },
        '00291010': {
          vr: 'SQ',
          Value: [{ '00291011': { vr: 'SH', Value: ['ID 77310042'] } }],
        },
      },
      { tag: '0029,1011' },
    ],
    [
      'the MRN as Patient ID in an item of a private sequence, under Retain Safe Private',
      {
        '00290010': { vr: 'LO', Value: ['ACME 1.0'] },
        '00291020': {
          vr: 'SQ',
          Value: [{ '00100020': { vr: 'LO', Value: ['MRN-004211'] } }],
        },
      },
      { tag: '0010,0020', keyword: 'PatientID' },
    ],
    [
      'the MRN in an item beside the values of a text attribute',
      {
        '00091001': {
          vr: 'LO',
          Value: ['note', { '00324000': { vr: 'LT', Value: ['MRN-004211'] } }],
        },
        '00090010': { vr: 'LO', Value: ['ACME 1.0'] },
      },
      { tag: '0032,4000', keyword: 'StudyComments' },
    ],
    [
      'the MRN within more text in Patient ID itself',
      { '00100020': { vr: 'LO', Value: ['SITE-MRN-004211'] } },
      { tag: '0010,0020', keyword: 'PatientID' },
    ],
    [
      'the MRN in full-width letters (NFKC)',
      { '00324000': { vr: 'LT', Value: ['ＭＲＮ－００４２１１'] } },
      { tag: '0032,4000', keyword: 'StudyComments' }, // retired: dcmjs says RETIRED_StudyComments
    ],
    [
      'the MRN in the bytes of a private attribute of unknown VR (DICOM JSON InlineBinary)',
      {
        '00090010': { vr: 'LO', Value: ['ACME 1.0'] },
        '00091002': { vr: 'UN', InlineBinary: Buffer.from('id=MRN-004211;').toString('base64') },
      },
      { tag: '0009,1002' },
    ],
  ])('should report %s', (_case, kept, issue) => {
    expect(elsewhere({ ...clean(), ...kept })).toEqual([issue]);
  });

  it('should leave the original value kept in its own tag to ORIGINAL_VALUE_RETAINED, once', () => {
    const copy: DicomJsonDataset = {
      ...clean(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JOHN^Q^^' }] },
      '00100020': { vr: 'LO', Value: ['MRN-004211'] },
    };
    const issues = inspectStudy({ instances: [copy], originalInstances: [original()] }).issues;
    expect(issues.map(({ code, tag }) => `${code} ${tag}`)).toEqual([
      'ORIGINAL_VALUE_RETAINED 0010,0010',
      'ORIGINAL_VALUE_RETAINED 0010,0020',
    ]);
  });

  it('should not look for IDs of fewer than four characters nor one-word names', () => {
    const terse: DicomJsonDataset = {
      ...clean(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe' }] },
      '00100020': { vr: 'LO', Value: ['421'] },
      '00101002': undefined,
    };
    const copy: DicomJsonDataset = {
      ...clean(),
      '00081030': { vr: 'LO', Value: ['DOE 421'] },
    };
    expect(identityNeedles([terse])).toEqual([]);
    expect(elsewhere(copy, [terse])).toEqual([]);
  });

  it('should find nothing elsewhere without the original', () => {
    const copy: DicomJsonDataset = {
      ...clean(),
      '00091001': { vr: 'LO', Value: ['MRN-004211'] },
    };
    expect(inspectStudy({ instances: [copy] }).issues.map((issue) => issue.code)).not.toContain(
      'PATIENT_IDENTITY_ELSEWHERE',
    );
  });

  it('should report the MRN in a private attribute of an implicit VR Part 10 file (read as UN)', () => {
    const part10 = buildInstance({
      studyInstanceUid: testUid(),
      seriesInstanceUid: testUid(),
      transferSyntax: TRANSFER_SYNTAX.IMPLICIT_LITTLE,
      patientName: 'ANON^PATIENT',
      patientId: 'PSEUDO-0001',
      patientIdentityRemoved: 'YES',
      methodCodes: ['113100', '113111'],
      privateAttributes: true,
      privateNote: 'MRN-004211',
    });
    const copy = readPart10Header(part10).dataset;
    expect(copy['00091001']?.vr).toBe('UN');
    expect(elsewhere(copy)).toEqual([{ tag: '0009,1001' }]);
  });
});

describe('containsWhole', () => {
  it.each<[string, string, boolean]>([
    ['ID MRN-004211.', 'MRN-004211', true],
    ['XMRN-004211', 'MRN-004211', false],
    ['MRN-0042119', 'MRN-004211', false],
    ['MRN-004211', 'MRN-004211', true],
    ['ÉDOE JOHN', 'DOE JOHN', false],
    ['😀DOE JOHN😀', 'DOE JOHN', true],
    ['𝐀DOE JOHN', 'DOE JOHN', false],
    ['DOE JOHNNY', 'DOE JOHN', false],
    ['A DOE JOHN, DOE JOHN', 'DOE JOHN', true],
  ])('%j holds %j as a whole: %s', (text, needle, expected) => {
    expect(containsWhole(text, needle)).toBe(expected);
  });
});
