// How the details view shows a refused message's bytes: exactly what the API sent, as
// UTF-8 text when it is that, otherwise as a hex dump. Nothing is redacted or reshaped
// here: the API decides what a role may see (rawForm).

export type RawDisplay =
  { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'hex'; text: string };

const HEX_ROW = 16;

export function bytesOfBase64(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** "00000000  7b 22 69 64 ..." rows of 16 bytes. */
export function hexDump(bytes: Uint8Array): string {
  const rows: string[] = [];
  for (let at = 0; at < bytes.length; at += HEX_ROW) {
    const hex = [...bytes.subarray(at, at + HEX_ROW)]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(' ');
    rows.push(`${at.toString(16).padStart(8, '0')}  ${hex}`);
  }
  return rows.join('\n');
}

export function rawDisplay(base64: string): RawDisplay {
  if (base64 === '') return { kind: 'none' };
  const bytes = bytesOfBase64(base64);
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'hex', text: hexDump(bytes) };
  }
}
