import { detailInWords, detailParts } from './finding-detail-words';

describe('finding detail in words', () => {
  it('should write instants as the dashboard writes times and purposes in words when the rules gave codes', () => {
    const detail =
      'Recipient vnd-deepscan had no agreement in force on 2024-12-10T16:07:23.423Z permitting ' +
      'AI_TRAINING (agreement agr-deepscan-dua-2024 takes effect only on 2025-12-03T00:00:00.000Z).';
    expect(detailInWords(detail)).toBe(
      'Recipient vnd-deepscan had no agreement in force on 2024-12-10 16:07 UTC permitting ' +
        'AI training (agreement agr-deepscan-dua-2024 takes effect only on 2025-12-03 00:00 UTC).',
    );
    expect(detailParts(detail).filter((p) => p.kind !== 'text')).toEqual([
      { kind: 'time', text: '2024-12-10 16:07 UTC', iso: '2024-12-10T16:07:23.423Z' },
      { kind: 'term', text: 'AI training', code: 'AI_TRAINING' },
      { kind: 'agreement', text: 'agr-deepscan-dua-2024' },
      { kind: 'time', text: '2025-12-03 00:00 UTC', iso: '2025-12-03T00:00:00.000Z' },
    ]);
  });

  it.each([
    [
      'Disclosed under basis DEIDENTIFIED, but inspection ins-1 of the study’s files (2025-01-02T03:04:05.000Z) failed: BURNED_IN_ANNOTATION, PRIVATE_ATTRIBUTES_RETAINED.',
      'Disclosed under basis De-identified data, but inspection ins-1 of the study’s files (2025-01-02 03:04 UTC) failed: Burned-in annotation in the pixels, Private attributes retained.',
    ],
    [
      'DENY consent cns-16 covering PRODUCT_DEVELOPMENT for vnd-radiant was in force on 2025-03-17T07:15:20.791Z.',
      'DENY consent cns-16 covering Product development for vnd-radiant was in force on 2025-03-17 07:15 UTC.',
    ],
    [
      'No PERMIT consent covering RESEARCH for vnd-x was in force on 2024-06-10T00:00:00.000Z.',
      'No PERMIT consent covering Research for vnd-x was in force on 2024-06-10 00:00 UTC.',
    ],
  ])(
    'should put legal bases and issue codes in words when a detail names them: %s',
    (detail, words) => {
      expect(detailInWords(detail)).toBe(words);
    },
  );

  it('should leave ids, unknown codes and impossible dates as recorded', () => {
    const detail =
      'Agreement agr-RESEARCH-1 of urn:x:AI_TRAINING, code MY_OWN_CODE, on 2024-13-45T99:00:00Z.';
    expect(detailInWords(detail)).toBe(detail);
    expect(detailParts(detail)).toEqual([{ kind: 'text', text: detail }]);
  });

  it('should name the vendors the page knows and leave the others and the agreements as ids', () => {
    const names = new Map([
      ['vnd-radiant', 'Radiant Health AI'],
      ['vnd-x', 'X Labs'],
    ]);
    const vendorName = (id: string): string | undefined => names.get(id);
    const detail =
      'Recipient vnd-radiant had no agreement in force on 2025-03-17T07:15:20.791Z permitting ' +
      'RESEARCH (its agreements (agr-radiant-dua-2024, vnd-radiant-2) do not grant this).';
    expect(detailInWords(detail, vendorName)).toBe(
      'Recipient Radiant Health AI had no agreement in force on 2025-03-17 07:15 UTC permitting ' +
        'Research (its agreements (agr-radiant-dua-2024, vnd-radiant-2) do not grant this).',
    );
    expect(detailParts(detail, vendorName).filter((p) => p.kind !== 'text')).toEqual([
      { kind: 'vendor', text: 'Radiant Health AI', id: 'vnd-radiant' },
      { kind: 'time', text: '2025-03-17 07:15 UTC', iso: '2025-03-17T07:15:20.791Z' },
      { kind: 'term', text: 'Research', code: 'RESEARCH' },
      // Ids in an agreement list are agreements, even one that starts as a vendor's id.
      { kind: 'agreement', text: 'agr-radiant-dua-2024' },
      { kind: 'agreement', text: 'vnd-radiant-2' },
    ]);
    expect(
      detailParts(
        'Onward transfer: receiver vnd-x had no agreement in force on 2025-01-01T00:00:00.000Z (no agreement with it is on record).',
      ).filter((p) => p.kind === 'agreement'),
    ).toEqual([]);
    expect(
      detailInWords(
        'Onward transfer: sender vnd-x had no agreement; receiver vnd-y had none; held by vnd-x (onward), vnd-radiant.',
        vendorName,
      ),
    ).toBe(
      'Onward transfer: sender X Labs had no agreement; receiver vnd-y had none; held by X Labs (onward), Radiant Health AI.',
    );
  });

  it('should keep the id when the name the page knows is the id itself or empty', () => {
    const detail = 'No PERMIT consent covering RESEARCH for vnd-x was in force.';
    expect(detailInWords(detail, (id) => id)).toBe(
      'No PERMIT consent covering Research for vnd-x was in force.',
    );
    expect(detailInWords(detail, () => '')).toBe(
      'No PERMIT consent covering Research for vnd-x was in force.',
    );
  });

  it('should give no parts when the detail is empty', () => {
    expect(detailParts('')).toEqual([]);
  });
});
