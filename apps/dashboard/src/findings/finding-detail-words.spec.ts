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

  it('should give no parts when the detail is empty', () => {
    expect(detailParts('')).toEqual([]);
  });
});
