import { encodeLeafData } from '@scantrail/ledger';
import { leafDataOf, prepareLeafData, type PendingEntry } from './append-batch';

const fields = (): PendingEntry => ({
  source: 'urn:test:prepare',
  id: 'evt-1',
  type: 'org.scantrail.study.disclosed',
  time: '2026-12-06T00:00:00Z',
  subject: 'study-1',
  data: { b: ['\u00e9', 2], a: { z: null, y: true } },
  payloadDigest: 'ab'.repeat(32),
});

describe('prepareLeafData', () => {
  it('should give the leaf data encodeLeafData gives, at any sequence', () => {
    const entry = prepareLeafData(fields());
    for (const sequence of [0, 7, 123_456_789_012]) {
      expect(leafDataOf(entry, sequence)).toBe(encodeLeafData({ ...fields(), sequence }));
    }
  });

  it('should not lend its template to a copy of the entry with another field', () => {
    const entry = prepareLeafData(fields());
    const copy: PendingEntry = { ...entry, id: 'evt-2', data: { other: 1 } };
    expect(leafDataOf(copy, 5)).toBe(
      encodeLeafData({ ...fields(), id: 'evt-2', data: { other: 1 }, sequence: 5 }),
    );
    expect(leafDataOf(entry, 5)).toBe(encodeLeafData({ ...fields(), sequence: 5 }));
  });

  it('should freeze the entry, so that no field changes under its template', () => {
    const entry = prepareLeafData(fields());
    expect(() => {
      (entry as { id: string }).id = 'evt-9';
    }).toThrow(TypeError);
    expect(leafDataOf(entry, 1)).toBe(encodeLeafData({ ...fields(), sequence: 1 }));
  });

  it('should take an entry prepared or frozen already as it is', () => {
    const entry = prepareLeafData(fields());
    expect(prepareLeafData(entry)).toBe(entry);
    const frozen = Object.freeze(fields());
    expect(prepareLeafData(frozen)).toBe(frozen);
    expect(leafDataOf(frozen, 3)).toBe(encodeLeafData({ ...fields(), sequence: 3 }));
  });

  it('should leave an entry JSON cannot carry to encodeLeafData and its error', () => {
    const entry = prepareLeafData({ ...fields(), data: { n: Number.NaN } });
    expect(() => leafDataOf(entry, 1)).toThrow(TypeError);
  });
});
