import { stringOfCodeUnits } from './code-units';

describe('stringOfCodeUnits', () => {
  it('should give back every code unit as it is, a lone surrogate included, past one chunk', () => {
    const units = new Uint16Array(20_000).map((_, i) => (i * 7919) % 0x10000);
    const text = stringOfCodeUnits(units.subarray(3));
    expect(text.length).toBe(units.length - 3);
    expect(Array.from({ length: text.length }, (_, i) => text.charCodeAt(i))).toEqual(
      Array.from(units.subarray(3)),
    );
    expect(stringOfCodeUnits(Uint16Array.from([0x41, 0xd800, 0x42]))).toBe('A\ud800B');
  });
});
