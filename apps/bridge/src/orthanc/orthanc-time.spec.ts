import { dicomDateToIso, orthancTimeToRfc3339 } from './orthanc-time';

describe('orthancTimeToRfc3339', () => {
  it.each([
    ['20261203T121632', '2026-12-03T12:16:32.000Z'],
    ['20261203T121639.108785', '2026-12-03T12:16:39.108Z'],
    ['20240229T000000.5', '2024-02-29T00:00:00.500Z'],
    ['2026-12-03T12:16:32', undefined],
    // Not a day of the calendar: Date.parse rolls them over (Feb 31 is March 3, 24:00 the
    // next day) and PostgreSQL refuses them, so the bridge could keep none of its state.
    ['20250231T120000', undefined],
    ['20250229T000000', undefined],
    ['20260431T000000', undefined],
    ['20261203T240000', undefined],
    ['20261203T126000', undefined],
    ['20261203T121660', undefined],
    ['00000101T000000', undefined],
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
