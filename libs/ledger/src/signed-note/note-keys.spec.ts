import {
  generateSignerKey,
  isValidKeyName,
  noteKeyId,
  parseSignerKey,
  parseVerifierKey,
} from './note-keys';

// Example keys of golang.org/x/mod/sumdb/note.
const PETER_SIGNER =
  'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';

function mangledVariants(key: string): string[] {
  const variants: string[] = [];
  for (let i = 0; i <= key.length; i++) {
    for (let j = i + 1; j <= key.length; j++) {
      if (i !== 0 || j !== key.length) {
        variants.push(key.slice(i, j));
      }
    }
  }
  for (let i = 0; i < key.length; i++) {
    variants.push(key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1));
  }
  return variants;
}

describe('note keys', () => {
  it('should read the sumdb example signer key when parsing it', () => {
    const signer = parseSignerKey(PETER_SIGNER);
    expect(signer.name).toBe('PeterNeumann');
    expect(signer.keyId).toBe(0xc74f20a3);
    expect(signer.verifierKey).toBe(PETER_VERIFIER);
  });

  it('should read the sumdb example verifier key when parsing it', () => {
    const verifier = parseVerifierKey(PETER_VERIFIER);
    expect(verifier.name).toBe('PeterNeumann');
    expect(verifier.keyId).toBe(0xc74f20a3);
  });

  it('should reject every substring and every one-character change when a signer key is mangled', () => {
    const accepted = mangledVariants(PETER_SIGNER).filter((key) => {
      try {
        parseSignerKey(key);
        return true;
      } catch {
        return false;
      }
    });
    expect(accepted).toEqual([]);
  });

  it('should reject every substring and every one-character change when a verifier key is mangled', () => {
    const accepted = mangledVariants(PETER_VERIFIER).filter((key) => {
      try {
        parseVerifierKey(key);
        return true;
      } catch {
        return false;
      }
    });
    expect(accepted).toEqual([]);
  });

  const generated = generateSignerKey('scantrail.local/ledger');
  // The seed's base64 may itself contain "+", so the key is rebuilt from its parts.
  const [, , name, id] = generated.signerKey.split('+');
  const seedText = generated.signerKey.split('+').slice(4).join('+');
  const withKeyData = (bytes: number[]): string =>
    `PRIVATE+KEY+${name}+${id}+${Buffer.from(bytes).toString('base64')}`;
  it.each([
    ['a missing PRIVATE+KEY prefix', `${name}+${id}+${seedText}`, /PRIVATE\+KEY/],
    ['a short key id', `PRIVATE+KEY+${name}+abc+${seedText}`, /8 hexadecimal/],
    [
      'a wrong key id',
      `PRIVATE+KEY+${name}+${id === '00000000' ? '00000001' : '00000000'}+${seedText}`,
      /does not match/,
    ],
    ['a name with a space', `PRIVATE+KEY+scan trail+${id}+${seedText}`, /name/],
    ['broken base64', `${generated.signerKey}!`, /base64/],
    ['another algorithm', withKeyData([2, ...Buffer.alloc(32)]), /Ed25519/],
    ['a short seed', withKeyData([1, ...Buffer.alloc(31)]), /1 \+ 32 bytes/],
  ])(
    'should name the problem without echoing the key when a signer key has %s',
    (_label, key, message) => {
      expect(() => parseSignerKey(key)).toThrow(message);
      try {
        parseSignerKey(key);
      } catch (error) {
        expect((error as Error).message).not.toContain(seedText);
        expect((error as Error).message).not.toContain(key);
      }
    },
  );

  it.each([
    [
      'sumdb example with a wrong-length key and adjusted id',
      'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
    ],
    [
      'sumdb example with an unknown algorithm and adjusted id',
      'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    ],
    ['two parts only', 'PeterNeumann+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
  ])('should reject a verifier key when it is the %s', (_label, key) => {
    expect(() => parseVerifierKey(key)).toThrow(Error);
  });

  it('should make a usable pair whose id matches when generating a key', () => {
    const { signerKey, verifierKey } = generateSignerKey('example.com/log');
    const signer = parseSignerKey(signerKey);
    const verifier = parseVerifierKey(verifierKey);
    expect(signer.verifierKey).toBe(verifierKey);
    expect(verifierKey).toMatch(/^example\.com\/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    expect(signerKey).toMatch(/^PRIVATE\+KEY\+example\.com\/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    expect(verifier.keyId).toBe(signer.keyId);
    const message = Buffer.from('hello\n');
    const signature = signer.sign(message);
    expect(verifier.verify(message, signature)).toBe(true);
    expect(verifier.verify(Buffer.from('hellO\n'), signature)).toBe(false);
    expect(verifier.verify(message, signature.subarray(1))).toBe(false);
  });

  it('should derive the key id from SHA-256(name, newline, 0x01, public key) when computing it', () => {
    const publicKey = Buffer.from(
      'ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'base64',
    ).subarray(1);
    expect(noteKeyId('PeterNeumann', publicKey)).toBe(0xc74f20a3);
  });

  it.each([
    ['example.com/log', true],
    ['PeterNeumann', true],
    ['', false],
    ['a+b', false],
    ['a b', false],
    ['a\u00a0b', false],
    ['a\u3000b', false],
    ['a\u0085b', false],
    ['a\tb', false],
    ['a\u0001b', false],
    ['a\ud800b', false],
    ['caf\u00e9', true],
  ])('should judge the key name %j valid: %s', (name, valid) => {
    expect(isValidKeyName(name)).toBe(valid);
  });

  it('should refuse to generate a key when the name is invalid', () => {
    expect(() => generateSignerKey('bad name')).toThrow(/name/);
  });
});
