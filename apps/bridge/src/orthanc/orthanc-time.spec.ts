import { dicomDateToIso, orthancTimeToRfc3339 } from './orthanc-time';

describe('orthancTimeToRfc3339', () => {
  it.each([
    ['20261203T121632', '2026-12-03T12:16:32.000Z'],
    ['20261203T121639.108785', '2026-12-03T12:16:39.108Z'],
    ['20240229T000000.5', '2024-02-29T00:00:00.500Z'],
    ['2026-12-03T12:16:32', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('should read %j as %j (UTC)', (input, expected) => {
    expect(orthancTimeToRfc3339(input)).toBe(expected);
  });
});

describe('dicomDateToIso', () => {
  it.each([
    ['20240105', '2024-01-05'],
    ['2024.01.05', '2024-01-05'],
    ['20230229', undefined],
    ['2024', undefined],
    [undefined, undefined],
  ])('should read %j as %j', (input, expected) => {
    expect(dicomDateToIso(input)).toBe(expected);
  });
});
