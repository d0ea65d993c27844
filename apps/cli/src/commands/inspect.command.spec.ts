import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEventMessage } from '@scantrail/contract';
import { inspectStudy, readPart10Header } from '@scantrail/inspection';
import {
  TRANSFER_SYNTAX,
  buildHeadCtSeries,
  buildInstance,
  testUid,
} from '@scantrail/inspection/testing';
import {
  INSPECT_EXIT,
  exitCodeOf,
  formatRun,
  inspectionEvents,
  jsonRun,
  runInspection,
} from './inspect.command';

const PYDICOM = join(__dirname, '../../../../libs/inspection/test-data/pydicom');
const SECRETS = ['Roe^Jane', 'MRN-004211', 'General Hospital', 'EMPI-99', '19700101'];

describe('cli inspect', () => {
  let dir: string;
  const write = (path: string, bytes: Uint8Array | string) => {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, bytes);
    return full;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scantrail-inspect-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const careless = (studyInstanceUid: string) =>
    buildHeadCtSeries({
      studyInstanceUid,
      patientName: 'Roe^Jane',
      patientId: 'MRN-004211',
      otherPatientIds: [{ value: 'EMPI-99' }],
      patientBirthDate: '19700101',
      institutionName: 'General Hospital',
      methodCodes: ['113100'],
    });

  it('should exit 0 when every study passes', async () => {
    const clean = buildInstance({
      studyInstanceUid: testUid(),
      seriesInstanceUid: testUid(),
      patientIdentityRemoved: 'YES',
      methodCodes: ['113100'],
    });
    write('clean/1.dcm', clean);
    const run = await runInspection([join(dir, 'clean')]);
    expect(run.studies.map((s) => s.inspection.result)).toEqual(['PASS']);
    expect(exitCodeOf(run)).toBe(INSPECT_EXIT.PASS);
  });

  it('should exit 3 and list the issues by code, tag and keyword, never a value, when a study fails', async () => {
    const uid = testUid();
    careless(uid).forEach((file, i) => write(`copy/series/${i}.dcm`, file));
    const run = await runInspection([join(dir, 'copy')]);
    expect(exitCodeOf(run)).toBe(INSPECT_EXIT.FAIL);
    const text = formatRun(run);
    expect(text).toContain(`study ${uid}: FAIL (24 instances)`);
    expect(text).toMatch(
      /IDENTIFYING_ATTRIBUTE_PRESENT\s+24\s+0010,1002\s+OtherPatientIDsSequence/,
    );
    expect(text).toMatch(/FACE_RECONSTRUCTABLE\s+24/);
    expect(text).toContain('patient identifiers found: 2 (values not shown)');
    const json = jsonRun(run);
    for (const secret of SECRETS) {
      expect(text).not.toContain(secret);
      expect(json).not.toContain(secret);
    }
    expect(JSON.parse(json)).toMatchObject({
      studies: [
        { studyInstanceUid: uid, result: 'FAIL', instances: 24, patientIdentifiersFound: 2 },
      ],
    });
  });

  it('should give every bad file its own line and still inspect the others', async () => {
    const uid = testUid();
    const good = buildInstance({
      studyInstanceUid: uid,
      seriesInstanceUid: testUid(),
      patientId: 'MRN-004211',
      transferSyntax: TRANSFER_SYNTAX.EXPLICIT_BIG,
    });
    write('mixed/good-big-endian.dcm', good);
    write(
      'mixed/deflated.dcm',
      buildInstance({
        studyInstanceUid: uid,
        seriesInstanceUid: testUid(),
        transferSyntax: TRANSFER_SYNTAX.DEFLATED,
      }),
    );
    write(
      'mixed/implicit.dcm',
      buildInstance({
        studyInstanceUid: uid,
        seriesInstanceUid: testUid(),
        transferSyntax: TRANSFER_SYNTAX.IMPLICIT_LITTLE,
      }),
    );
    write('mixed/notes.txt', 'Patient Roe^Jane MRN-004211\n');
    write('mixed/cut.dcm', good.subarray(0, 300));
    // Cut where an element ends (after Image Type): it parses, but holds no study.
    write('mixed/real/cut-clean.dcm', readFileSync(join(PYDICOM, 'CT_small.dcm')).subarray(0, 384));
    write('mixed/real/CT_small.dcm', readFileSync(join(PYDICOM, 'CT_small.dcm')));
    const run = await runInspection([join(dir, 'mixed'), join(dir, 'missing')]);
    const text = formatRun(run);
    expect(run.studies).toHaveLength(2);
    expect(run.studies.find((s) => s.studyInstanceUid === uid)?.inspection.instances).toBe(3);
    expect(text).toContain(`${join(dir, 'mixed/notes.txt')}: skipped: not a DICOM Part 10 file`);
    expect(text).toMatch(/cut\.dcm: skipped: the header ends/);
    expect(text).toMatch(
      /cut-clean\.dcm: skipped: DICOM, but without a Study Instance UID \(cut short/,
    );
    expect(text).toContain(`${join(dir, 'missing')}: skipped: no such file or folder`);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(exitCodeOf(run)).toBe(INSPECT_EXIT.ERROR);
  });

  it('should read the header of a 500 MB instance and skip a 500 MB file that is not DICOM', async () => {
    const uid = testUid();
    const total = 500 * 1024 * 1024;
    // A real instance whose Pixel Data (last) says 500 MB, the file extended sparsely to match.
    const bytes = Buffer.from(
      buildInstance({
        studyInstanceUid: uid,
        seriesInstanceUid: testUid(),
        patientId: 'MRN-004211',
        size: 8,
      }),
    );
    const pixelTag = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0x00, 0x00]);
    const at = bytes.lastIndexOf(pixelTag);
    bytes.writeUInt32LE(total - (at + 12), at + 8);
    const large = write('big/large.dcm', '');
    const fd = openSync(large, 'w');
    writeSync(fd, bytes.subarray(0, at + 12));
    closeSync(fd);
    truncateSync(large, total);
    // 500 MB of nothing (a disk image, say): no DICM prefix.
    const zeros = write('big/zeros.img', '');
    truncateSync(zeros, total);

    const run = await runInspection([join(dir, 'big')]);
    const text = formatRun(run);
    expect(run.studies.map((s) => [s.studyInstanceUid, s.inspection.instances])).toEqual([
      [uid, 1],
    ]);
    expect(text).toContain(`${zeros}: skipped: not a DICOM Part 10 file`);
    expect(text).not.toContain(`${large}: skipped`);
    expect(text).not.toContain('MRN-004211');
    expect(exitCodeOf(run)).toBe(INSPECT_EXIT.ERROR);
  });

  it('should compare with the original when given one', async () => {
    const original = careless(testUid());
    original.forEach((file, i) => write(`original/${i}.dcm`, file));
    careless(testUid()).forEach((file, i) => write(`copy/${i}.dcm`, file));
    const run = await runInspection([join(dir, 'copy')], [join(dir, 'original')]);
    const codes = run.studies[0]?.inspection.issues.map((i) => i.code);
    expect(codes).toContain('ORIGINAL_VALUE_RETAINED');
    expect(formatRun(run)).toContain('compared with the original');
  });

  it("should find the original's MRN that a copy moved into a private attribute, and print no value", async () => {
    // A de-identifier that keeps safe private attributes (113111) copied the MRN into one; the
    // files are implicit VR, so the reader sees its bytes only (UN).
    const copyOf = (note: string) =>
      buildInstance({
        studyInstanceUid: testUid(),
        seriesInstanceUid: testUid(),
        transferSyntax: TRANSFER_SYNTAX.IMPLICIT_LITTLE,
        patientIdentityRemoved: 'YES',
        methodCodes: ['113100', '113111'],
        privateAttributes: true,
        privateNote: note,
      });
    careless(testUid()).forEach((file, i) => write(`original/${i}.dcm`, file));
    write('copy/leaky.dcm', copyOf('source MRN-004211'));
    write('copy/clean.dcm', copyOf('private note'));
    const run = await runInspection([join(dir, 'copy')], [join(dir, 'original')]);
    const byResult = run.studies.map((study) => [study.inspection.result, study.inspection.issues]);
    expect(byResult).toEqual(
      expect.arrayContaining([
        ['FAIL', [{ code: 'PATIENT_IDENTITY_ELSEWHERE', instances: 1, tag: '0009,1001' }]],
        ['PASS', []],
      ]),
    );
    const text = formatRun(run) + JSON.stringify(jsonRun(run));
    expect(text).toContain('PATIENT_IDENTITY_ELSEWHERE');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it('should inspect interleaved studies file by file as inspectStudy does over each', async () => {
    // Files of two studies alternate on disk, and the code that excuses one study's burned-in
    // annotation comes only with its last file: each file is inspected as read, not kept.
    const [a, b] = [testUid(), testUid()];
    const aFiles = careless(a).map((_, i, all) =>
      buildInstance({
        studyInstanceUid: a,
        seriesInstanceUid: '1.2.3.1',
        patientName: 'Roe^Jane',
        burnedInAnnotation: 'YES',
        methodCodes: i === all.length - 1 ? ['113100', '113101'] : ['113100'],
      }),
    );
    const bFiles = careless(b);
    aFiles.forEach((file, i) => write(`copy/${String(i).padStart(2, '0')}a.dcm`, file));
    bFiles.forEach((file, i) => write(`copy/${String(i).padStart(2, '0')}b.dcm`, file));
    write('original/0.dcm', bFiles[0] ?? new Uint8Array());
    const run = await runInspection([join(dir, 'copy')], [join(dir, 'original')]);
    const read = (files: Uint8Array[]) => files.map((file) => readPart10Header(file).dataset);
    const original = read(bFiles.slice(0, 1));
    const expected = new Map([
      [a, inspectStudy({ instances: read(aFiles), originalInstances: original })],
      [b, inspectStudy({ instances: read(bFiles), originalInstances: original })],
    ]);
    expect(run.studies).toHaveLength(2);
    for (const study of run.studies) {
      expect(study.inspection).toStrictEqual(expected.get(study.studyInstanceUid));
      expect(study.comparedWithOriginal).toBe(true);
    }
    const aInspection = expected.get(a);
    expect(aInspection?.issues.map((issue) => issue.code)).not.toContain('BURNED_IN_ANNOTATION');
    expect(aInspection?.issues.map((issue) => issue.code)).toContain('ORIGINAL_VALUE_RETAINED');
  });

  it('should publish valid events whose ids are the same when the same files are inspected again', async () => {
    careless(testUid()).forEach((file, i) => write(`copy/${i}.dcm`, file));
    const first = inspectionEvents(
      await runInspection([join(dir, 'copy')]),
      'urn:test',
      new Date(),
    );
    const again = inspectionEvents(
      await runInspection([join(dir, 'copy')]),
      'urn:test',
      new Date(Date.now() + 60_000),
    );
    expect(first).toHaveLength(1);
    const decoded = decodeEventMessage(first[0]?.value ?? Buffer.alloc(0));
    expect(decoded.ok).toBe(true);
    const idOf = (value: Buffer | undefined) => (JSON.parse(String(value)) as { id: string }).id;
    expect(idOf(again[0]?.value)).toBe(idOf(first[0]?.value));
  });

  it('should read each file once when folders link back to themselves or a file is named twice', async () => {
    // Attack: two links to the folder itself made the depth-first walk visit 2^40 paths (the
    // kernel stops at 40 links in a path): the run never ended. One link read each file 40
    // times, and a file named beside its folder was read twice: instances counted again.
    const uid = testUid();
    const file = write(
      'copy/0.dcm',
      buildInstance({ studyInstanceUid: uid, seriesInstanceUid: testUid() }),
    );
    symlinkSync('.', join(dir, 'copy/again'));
    symlinkSync('..', join(dir, 'copy/up'));
    symlinkSync(file, join(dir, 'copy/link.dcm'));
    const run = await runInspection([join(dir, 'copy'), file]);
    expect(run.studies.map((s) => [s.studyInstanceUid, s.inspection.instances])).toEqual([
      [uid, 1],
    ]);
    expect(run.problems).toEqual([]);
  }, 20_000);

  it('should not publish a PASS when a file of the run could not be read', async () => {
    // Attack: a copy's one identifying instance made unreadable (cut, or a character set the
    // reader refuses) is skipped; the rest of the study passed and --publish recorded the
    // PASS in the ledger, as if the whole copy had been inspected. A FAIL is still true.
    const passing = testUid();
    write(
      'copy/clean.dcm',
      buildInstance({
        studyInstanceUid: passing,
        seriesInstanceUid: testUid(),
        patientIdentityRemoved: 'YES',
        methodCodes: ['113100'],
      }),
    );
    write(
      'copy/cut.dcm',
      buildInstance({
        studyInstanceUid: passing,
        seriesInstanceUid: testUid(),
        patientName: 'Roe^Jane',
      }).subarray(0, 300),
    );
    careless(testUid()).forEach((bytes, i) => write(`copy/failing/${i}.dcm`, bytes));
    const run = await runInspection([join(dir, 'copy')]);
    expect(run.studies.map((s) => s.inspection.result).sort()).toEqual(['FAIL', 'PASS']);
    const published = inspectionEvents(run, 'urn:test', new Date()).map(
      (event) => (JSON.parse(String(event.value)) as { data: { result: string } }).data.result,
    );
    expect(published).toEqual(['FAIL']);
    expect(exitCodeOf(run)).toBe(INSPECT_EXIT.ERROR);
  });
});
