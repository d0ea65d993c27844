import type { DicomJsonDataset } from '../dicom-json/dicom-json.types';
import { readPart10Header } from '../part10/part10-header.reader';
import {
  type InstanceSpec,
  buildHeadCtSeries,
  buildInstance,
  testUid,
} from '../testing/dicom-study.factory';
import type { InspectionIssueCode } from './inspection.types';
import { inspectStudy } from './study-inspection';

const read = (files: Uint8Array[]): DicomJsonDataset[] =>
  files.map((file) => readPart10Header(file).dataset);

/** What a careful de-identifier leaves: marked, no names, ids or dates of the patient. */
function cleanSpec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    studyInstanceUid: testUid(),
    seriesInstanceUid: testUid(),
    patientIdentityRemoved: 'YES',
    methodCodes: ['113100'],
    modality: 'CT',
    bodyPart: 'CHEST',
    ...overrides,
  };
}

const codesOf = (instances: DicomJsonDataset[], extra = {}) =>
  inspectStudy({ instances, ...extra }).issues.map((issue) => issue.code);

describe('inspectStudy', () => {
  it('should pass a properly de-identified study with no issues', () => {
    const inspection = inspectStudy({ instances: read([buildInstance(cleanSpec())]) });
    expect(inspection).toMatchObject({ result: 'PASS', issues: [], instances: 1 });
    expect(inspection.methodCodesFound).toEqual(['113100']);
    expect(inspection.patientIdentifiersFound).toEqual([]);
  });

  describe('IDENTIFYING_ATTRIBUTE_PRESENT', () => {
    it('should report an attribute the Basic Profile removes, by tag and keyword', () => {
      const studyInstanceUid = testUid();
      const files = [
        buildInstance(cleanSpec({ studyInstanceUid, institutionAddress: '1 Main St' })),
        buildInstance(cleanSpec({ studyInstanceUid })),
      ];
      const inspection = inspectStudy({ instances: read(files) });
      expect(inspection.result).toBe('FAIL');
      expect(inspection.issues).toEqual([
        {
          code: 'IDENTIFYING_ATTRIBUTE_PRESENT',
          instances: 1,
          keyword: 'InstitutionAddress',
          tag: '0008,0081',
        },
      ]);
    });

    it('should report Other Patient IDs Sequence and Issuer of Patient ID', () => {
      const files = [
        buildInstance(
          cleanSpec({ issuerOfPatientId: 'urn:oid:1.2.3', otherPatientIds: [{ value: 'OLD-7' }] }),
        ),
      ];
      const tags = inspectStudy({ instances: read(files) }).issues.map((issue) => issue.tag);
      expect(tags).toEqual(['0010,0021', '0010,1002']);
    });

    it('should not report it when empty, or kept by a declared Retain option', () => {
      expect(codesOf(read([buildInstance(cleanSpec({ institutionAddress: '' }))]))).toEqual([]);
      const kept = read([
        buildInstance(
          cleanSpec({ institutionAddress: '1 Main St', methodCodes: ['113100', '113112'] }),
        ),
      ]);
      expect(codesOf(kept)).toEqual([]);
      const declared = read([buildInstance(cleanSpec({ institutionAddress: '1 Main St' }))]);
      expect(codesOf(declared, { methodCodesDeclared: ['113112'] })).toEqual([]);
    });
  });

  describe('ORIGINAL_VALUE_RETAINED', () => {
    const originalSpec = (studyInstanceUid: string): InstanceSpec => ({
      studyInstanceUid,
      seriesInstanceUid: testUid(),
      patientName: 'Roe^Jane',
      patientId: 'MRN-004211',
      studyDate: '20240105',
      modality: 'CT',
      bodyPart: 'CHEST',
    });

    it('should report an attribute the profile replaces that still holds the original value', () => {
      const original = read([buildInstance(originalSpec(testUid()))]);
      const copy = read([buildInstance(cleanSpec({ studyDate: '20240105', patientName: 'ANON' }))]);
      const inspection = inspectStudy({ instances: copy, originalInstances: original });
      expect(inspection.issues).toEqual([
        { code: 'ORIGINAL_VALUE_RETAINED', instances: 1, keyword: 'StudyDate', tag: '0008,0020' },
      ]);
    });

    it('should not report replaced values, nor anything without the original at hand', () => {
      const original = read([buildInstance(originalSpec(testUid()))]);
      const replaced = read([
        buildInstance(cleanSpec({ studyDate: '20000101', patientId: 'ANON-1' })),
      ]);
      expect(codesOf(replaced, { originalInstances: original })).toEqual([]);
      const retained = read([buildInstance(cleanSpec({ studyDate: '20240105' }))]);
      expect(codesOf(retained)).toEqual([]);
    });

    it('should report a kept Study Instance UID unless Retain UIDs is declared', () => {
      const uid = testUid();
      const original = read([buildInstance(originalSpec(uid))]);
      const copy = read([buildInstance(cleanSpec({ studyInstanceUid: uid }))]);
      expect(codesOf(copy, { originalInstances: original })).toEqual(['ORIGINAL_VALUE_RETAINED']);
      expect(
        codesOf(copy, { originalInstances: original, methodCodesDeclared: ['113110'] }),
      ).toEqual([]);
    });
  });

  describe('IDENTITY_REMOVED_NOT_MARKED', () => {
    it.each([
      ['absent', undefined],
      ['NO', 'NO'],
    ])('should report Patient Identity Removed %s', (_label, value) => {
      const files = [buildInstance(cleanSpec({ patientIdentityRemoved: value }))];
      expect(inspectStudy({ instances: read(files) }).issues).toEqual([
        {
          code: 'IDENTITY_REMOVED_NOT_MARKED',
          instances: 1,
          keyword: 'PatientIdentityRemoved',
          tag: '0012,0062',
        },
      ]);
    });

    it('should not report it when YES', () => {
      expect(codesOf(read([buildInstance(cleanSpec({ patientIdentityRemoved: 'YES' }))]))).toEqual(
        [],
      );
    });
  });

  describe('BURNED_IN_ANNOTATION', () => {
    it('should report burned-in text without Clean Pixel Data', () => {
      const files = [buildInstance(cleanSpec({ burnedInAnnotation: 'YES' }))];
      expect(inspectStudy({ instances: read(files) }).issues).toEqual([
        {
          code: 'BURNED_IN_ANNOTATION',
          instances: 1,
          keyword: 'BurnedInAnnotation',
          tag: '0028,0301',
        },
      ]);
    });

    it('should not report it when NO, or when 113101 was applied', () => {
      expect(codesOf(read([buildInstance(cleanSpec({ burnedInAnnotation: 'NO' }))]))).toEqual([]);
      const cleaned = [
        buildInstance(cleanSpec({ burnedInAnnotation: 'YES', methodCodes: ['113100', '113101'] })),
      ];
      expect(codesOf(read(cleaned))).toEqual([]);
    });
  });

  describe('PRIVATE_ATTRIBUTES_RETAINED', () => {
    it('should report private attributes without Retain Safe Private', () => {
      const studyInstanceUid = testUid();
      const files = [
        buildInstance(cleanSpec({ studyInstanceUid, privateAttributes: true })),
        buildInstance(cleanSpec({ studyInstanceUid, privateAttributes: true })),
        buildInstance(cleanSpec({ studyInstanceUid })),
      ];
      expect(inspectStudy({ instances: read(files) }).issues).toEqual([
        { code: 'PRIVATE_ATTRIBUTES_RETAINED', instances: 2 },
      ]);
    });

    it('should not report them without private attributes, or under 113111', () => {
      expect(codesOf(read([buildInstance(cleanSpec())]))).toEqual([]);
      const safe = [
        buildInstance(cleanSpec({ privateAttributes: true, methodCodes: ['113100', '113111'] })),
      ];
      expect(codesOf(read(safe))).toEqual([]);
    });
  });

  describe('FACE_RECONSTRUCTABLE and a 24-slice head CT', () => {
    it('should find everything a careless copy of a head CT leaves behind', () => {
      const studyInstanceUid = testUid();
      const original = read(
        buildHeadCtSeries({
          studyInstanceUid,
          patientName: 'Roe^Jane',
          patientId: 'MRN-004211',
          issuerOfPatientId: 'urn:oid:2.16.840.1.113883.3.7',
          otherPatientIds: [{ value: 'EMPI-99', issuer: 'urn:oid:9.9' }, { value: 'OLD-1' }],
          patientBirthDate: '19700101',
          studyDate: '20240105',
          institutionName: 'General Hospital',
          burnedInAnnotation: 'YES',
          privateAttributes: true,
        }),
      );
      const careless = read(
        buildHeadCtSeries({
          studyInstanceUid: testUid(),
          patientName: 'Roe^Jane',
          patientId: 'MRN-004211',
          issuerOfPatientId: 'urn:oid:2.16.840.1.113883.3.7',
          otherPatientIds: [{ value: 'EMPI-99', issuer: 'urn:oid:9.9' }, { value: 'OLD-1' }],
          studyDate: '20240105',
          institutionName: 'General Hospital',
          burnedInAnnotation: 'YES',
          privateAttributes: true,
          methodCodes: ['113100'],
        }),
      );
      const inspection = inspectStudy({ instances: careless, originalInstances: original });
      expect(inspection.result).toBe('FAIL');
      expect(inspection.instances).toBe(24);
      const byCode = new Map<InspectionIssueCode, string[]>();
      for (const issue of inspection.issues) {
        expect(issue.instances).toBe(24);
        byCode.set(issue.code, [...(byCode.get(issue.code) ?? []), issue.tag ?? '-']);
      }
      expect(Object.fromEntries(byCode)).toEqual({
        IDENTIFYING_ATTRIBUTE_PRESENT: ['0008,0080', '0010,0021', '0010,1002'],
        ORIGINAL_VALUE_RETAINED: ['0008,0020', '0008,0080', '0010,0010', '0010,0020'],
        IDENTITY_REMOVED_NOT_MARKED: ['0012,0062'],
        BURNED_IN_ANNOTATION: ['0028,0301'],
        PRIVATE_ATTRIBUTES_RETAINED: ['-'],
        FACE_RECONSTRUCTABLE: ['-'],
      });
      expect(inspection.patientIdentifiersFound).toEqual([
        { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'MRN-004211' },
        { system: 'urn:oid:9.9', value: 'EMPI-99' },
        { value: 'OLD-1' },
      ]);
    });

    it('should report a head series of 20 or more named only by its description', () => {
      const files = buildHeadCtSeries({
        ...cleanSpec(),
        bodyPart: undefined,
        studyDescription: 'CT BRAIN W/O CONTRAST',
        slices: 20,
      });
      // Study Description itself is removed (X) by the Basic Profile, so it is reported too.
      expect(codesOf(read(files))).toEqual([
        'IDENTIFYING_ATTRIBUTE_PRESENT',
        'FACE_RECONSTRUCTABLE',
      ]);
    });

    it('should not report short series, other body parts, or a face already removed', () => {
      expect(codesOf(read(buildHeadCtSeries({ ...cleanSpec(), slices: 19 })))).toEqual([]);
      expect(codesOf(read(buildHeadCtSeries({ ...cleanSpec(), bodyPart: 'CHEST' })))).toEqual([]);
      expect(codesOf(read(buildHeadCtSeries({ ...cleanSpec(), modality: 'CR' })))).toEqual([]);
      const defaced = buildHeadCtSeries({ ...cleanSpec(), methodCodes: ['113100', '113102'] });
      expect(codesOf(read(defaced))).toEqual([]);
    });
  });

  it('should read the DICOM JSON model of DICOMweb (PS3.18 F.2) the same way', () => {
    const dicomWeb: DicomJsonDataset = {
      '0020000D': { vr: 'UI', Value: ['1.2.3'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Roe^Jane' }] },
      '00100020': { vr: 'LO', Value: ['MRN-1'] },
      '00120062': { vr: 'CS', Value: ['YES'] },
      '00120064': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['113100'] } }] },
      '00101002': { vr: 'SQ', Value: [{ '00100020': { vr: 'LO', Value: ['X-9'] } }] },
      '00091001': { vr: 'LO', BulkDataURI: 'http://orthanc/bulk/1' },
    };
    const inspection = inspectStudy({ instances: [dicomWeb] });
    expect(inspection.studyInstanceUid).toBe('1.2.3');
    expect(inspection.issues.map((issue) => issue.code)).toEqual([
      'IDENTIFYING_ATTRIBUTE_PRESENT',
      'PRIVATE_ATTRIBUTES_RETAINED',
    ]);
    expect(inspection.patientIdentifiersFound).toEqual([{ value: 'MRN-1' }, { value: 'X-9' }]);
  });
  describe('hostile data sets', () => {
    /** What the copy keeps at the top: marked, Basic Profile declared, nothing identifying. */
    const marked = (): DicomJsonDataset => ({
      '0020000D': { vr: 'UI', Value: ['1.2.3.4'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'ANON' }] },
      '00120062': { vr: 'CS', Value: ['YES'] },
      '00120064': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['113100'] } }] },
    });

    /** The original study: its own uid and the patient's name. */
    const original: DicomJsonDataset = {
      ...marked(),
      '0020000D': { vr: 'UI', Value: ['1.2.3.9'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Roe^Jane' }] },
    };

    it('should report the original Patient Name when the copy keeps it in a nested sequence item', () => {
      // Attack: the top-level Patient's Name (Basic Profile Z) was replaced, but an item of
      // Referenced Series Sequence (which the profile keeps) still holds the original name.
      // IDENTIFYING_ATTRIBUTE_PRESENT walks sequences; ORIGINAL_VALUE_RETAINED compared only
      // top-level attributes, so on main this copy PASSED with the patient's name in it.
      const copy: DicomJsonDataset = {
        ...marked(),
        '00081115': {
          vr: 'SQ',
          Value: [
            {
              '0020000E': { vr: 'UI', Value: ['1.2.3.4.5'] },
              '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Roe^Jane' }] },
            },
          ],
        },
      };
      const inspection = inspectStudy({ instances: [copy], originalInstances: [original] });
      expect(inspection.result).toBe('FAIL');
      expect(inspection.issues).toEqual([
        { code: 'ORIGINAL_VALUE_RETAINED', instances: 1, keyword: 'PatientName', tag: '0010,0010' },
      ]);
    });

    it('should inspect a data set nested 10,000 sequences deep without overflowing the stack', () => {
      // Attack: DICOM JSON (what Orthanc serves the bridge; JSON.parse takes any depth) with
      // sequences nested 10,000 deep and a Patient's Address (X) and a private attribute at the
      // bottom. The walks recursed once a level: on main inspectStudy threw RangeError
      // (Maximum call stack size exceeded), which the bridge's loop retries forever on the
      // same study (a stalled feed) instead of sending a FAIL inspection.
      let item: DicomJsonDataset = {
        '00101040': { vr: 'LO', Value: ['1 Main St'] },
        '00091010': { vr: 'LO', Value: ['MRN-004211'] },
      };
      for (let depth = 0; depth < 10_000; depth += 1) {
        item = { '00082218': { vr: 'SQ', Value: [item] } };
      }
      const copy: DicomJsonDataset = { ...marked(), ...item };
      let inspection: ReturnType<typeof inspectStudy> | undefined;
      expect(() => {
        inspection = inspectStudy({ instances: [copy], originalInstances: [original] });
      }).not.toThrow();
      expect(inspection?.issues.map((issue) => [issue.code, issue.tag])).toEqual([
        ['IDENTIFYING_ATTRIBUTE_PRESENT', '0010,1040'],
        ['PRIVATE_ATTRIBUTES_RETAINED', undefined],
      ]);
    });

    it('should inspect removed sequences nested 10,000 deep, what they hold only where an option keeps them', () => {
      // Institution Code Sequence (X, kept by Retain Institution Identity 113112) nested
      // 10,000 deep with a Patient's Address (X, kept by no option) at the bottom, and 113112
      // declared only by the copy's second instance: the inspection walks removed sequences
      // (the excuse is decided once every instance is read) and must neither recurse nor copy
      // the path at every level.
      let item: DicomJsonDataset = { '00101040': { vr: 'LO', Value: ['1 Main St'] } };
      for (let depth = 0; depth < 10_000; depth += 1) {
        item = { '00080082': { vr: 'SQ', Value: [item] } };
      }
      const keptInstitution: DicomJsonDataset = {
        ...marked(),
        '00120064': {
          vr: 'SQ',
          Value: ['113100', '113112'].map((code) => ({ '00080100': { vr: 'SH', Value: [code] } })),
        },
      };
      const tags = (instances: DicomJsonDataset[]) =>
        inspectStudy({ instances }).issues.map((issue) => [issue.code, issue.tag, issue.instances]);
      expect(tags([{ ...marked(), ...item }])).toEqual([
        ['IDENTIFYING_ATTRIBUTE_PRESENT', '0008,0082', 1],
      ]);
      expect(tags([{ ...marked(), ...item }, keptInstitution])).toEqual([
        ['IDENTIFYING_ATTRIBUTE_PRESENT', '0010,1040', 1],
      ]);
    });
  });
});
