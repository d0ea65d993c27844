import { hexDump, rawDisplay } from './raw-message-text';

const base64 = (bytes: Uint8Array | string): string =>
  btoa(
    String.fromCharCode(...(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes)),
  );

describe('rawDisplay', () => {
  it('should show nothing when the API sent no bytes', () => {
    expect(rawDisplay('')).toEqual({ kind: 'none' });
  });

  it('should show UTF-8 bytes as the text they are, markup included as text', () => {
    const text = '{"id":"<img src=x onerror=alert(1)>","ü":1}';
    expect(rawDisplay(base64(text))).toEqual({ kind: 'text', text });
  });

  it('should show bytes that are not UTF-8 as a hex dump of every byte', () => {
    const bytes = Uint8Array.from([0xff, 0xfe, 0x7b, 0x00, ...Array<number>(16).fill(0x41)]);
    const shown = rawDisplay(base64(bytes));
    expect(shown.kind).toBe('hex');
    expect(shown.kind === 'hex' ? shown.text.split('\n') : []).toEqual([
      '00000000  ff fe 7b 00 41 41 41 41 41 41 41 41 41 41 41 41',
      '00000010  41 41 41 41',
    ]);
  });
});

describe('hexDump', () => {
  it('should write nothing for no bytes', () => {
    expect(hexDump(new Uint8Array())).toBe('');
  });
});
