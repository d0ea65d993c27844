import { retryDelayMs } from './retry-delay';

describe('retryDelayMs', () => {
  const options = { initialMs: 250, maxMs: 30_000 };

  it.each([
    { attempt: 0, expected: 250 },
    { attempt: 1, expected: 500 },
    { attempt: 3, expected: 2_000 },
    { attempt: 7, expected: 30_000 },
    { attempt: 1_000, expected: 30_000 },
    { attempt: -3, expected: 250 },
  ])(
    'should wait $expected ms when attempt is $attempt and jitter is neutral',
    ({ attempt, expected }) => {
      expect(retryDelayMs(attempt, options, () => 0.5)).toBe(expected);
    },
  );

  it('should stay within 20 % below and the cap above when jitter is extreme', () => {
    expect(retryDelayMs(2, options, () => 0)).toBe(800);
    expect(retryDelayMs(2, options, () => 0.999999)).toBe(1_200);
    expect(retryDelayMs(10, options, () => 0.999999)).toBe(30_000);
  });
});
