// Checks the ledger's signed checkpoint in the browser, trusting only the verifier key:
// C2SP signed-note (Ed25519 signature line "— <name> base64(4-byte key id || sig)" over
// the note text) and C2SP tlog-checkpoint (origin, tree size, base64 root hash).

export interface VerificationCheck {
  label: string;
  ok: boolean;
  detail?: string;
}

export interface CheckpointVerification {
  /** Every check passed. */
  verified: boolean;
  checks: VerificationCheck[];
  origin?: string;
  keyName?: string;
  keyId?: string;
}

export interface LedgerClaim {
  treeSize: number;
  rootHash: string;
  checkpoint: string;
  verifierKey: string;
}

interface VerifierKey {
  name: string;
  keyId: number;
  publicKey: Uint8Array<ArrayBuffer>;
}

const ED25519 = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const readUint32 = (b: Uint8Array): number =>
  ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;

/** `<name>+<8 hex key id>+<base64(0x01 || 32-byte key)>`, with the key id checked. */
export async function parseVerifierKey(
  text: string,
  subtle: SubtleCrypto,
): Promise<VerifierKey | string> {
  // The key itself is base64 and may contain "+": split at the first two only.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/.exec(text.trim());
  if (match === null) return 'the verifier key must look like <name>+<key id>+<key>';
  const [, name, idText, keyText] = match;
  const raw = decodeBase64(keyText);
  if (name === '' || !/^[0-9a-f]{8}$/.test(idText)) return 'malformed verifier key name or id';
  if (raw === undefined || raw.length !== 33 || raw[0] !== ED25519) {
    return 'the verifier key is not an Ed25519 key';
  }
  const publicKey = raw.slice(1);
  // key id = first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes, 0);
  input.set([0x0a, ED25519], nameBytes.length);
  input.set(publicKey, nameBytes.length + 2);
  const digest = new Uint8Array(await subtle.digest('SHA-256', input));
  const keyId = Number.parseInt(idText, 16);
  if (readUint32(digest) !== keyId) return 'the verifier key id does not match its name and key';
  return { name, keyId, publicKey };
}

function signatureFor(block: string, key: VerifierKey): Uint8Array<ArrayBuffer> | undefined {
  for (const line of block.split('\n')) {
    if (!line.startsWith(`${SIGNATURE_PREFIX}${key.name} `)) continue;
    const raw = decodeBase64(line.slice(SIGNATURE_PREFIX.length + key.name.length + 1));
    if (raw !== undefined && raw.length === 68 && readUint32(raw) === key.keyId) {
      return raw.slice(4);
    }
  }
  return undefined;
}

async function signatureValid(
  key: VerifierKey,
  signature: Uint8Array<ArrayBuffer>,
  message: Uint8Array<ArrayBuffer>,
  subtle: SubtleCrypto,
): Promise<VerificationCheck> {
  const label = `Ed25519 signature by ${key.name} (key ${hex8(key.keyId)})`;
  try {
    const publicKey = await subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    const ok = await subtle.verify({ name: 'Ed25519' }, publicKey, signature, message);
    return { label, ok, detail: ok ? undefined : 'the signature does not verify' };
  } catch (error) {
    return {
      label,
      ok: false,
      detail: `this browser cannot check Ed25519 signatures (${(error as Error).message})`,
    };
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return (
    a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i])
  );
}

/**
 * Verifies that `checkpoint` is signed by `verifierKey` and states exactly `treeSize` and
 * `rootHash`. Never throws: each failed step is a check with its reason.
 */
export async function verifyCheckpoint(
  claim: LedgerClaim,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<CheckpointVerification> {
  const checks: VerificationCheck[] = [];
  const done = (extra: Partial<CheckpointVerification> = {}): CheckpointVerification => ({
    verified: checks.length > 0 && checks.every((c) => c.ok),
    checks,
    ...extra,
  });
  const key = await parseVerifierKey(claim.verifierKey, subtle);
  if (typeof key === 'string') {
    checks.push({ label: 'Verifier key', ok: false, detail: key });
    return done();
  }
  const keyInfo = { keyName: key.name, keyId: hex8(key.keyId) };
  const split = claim.checkpoint.lastIndexOf('\n\n');
  if (split < 0 || !claim.checkpoint.endsWith('\n')) {
    checks.push({ label: 'Signed note', ok: false, detail: 'no signature block' });
    return done(keyInfo);
  }
  const text = claim.checkpoint.slice(0, split + 1);
  const signature = signatureFor(claim.checkpoint.slice(split + 2, -1), key);
  if (signature === undefined) {
    checks.push({
      label: `Signature by ${key.name}`,
      ok: false,
      detail: 'the checkpoint carries no signature by the verifier key',
    });
  } else {
    checks.push(await signatureValid(key, signature, new TextEncoder().encode(text), subtle));
  }
  const [origin = '', sizeText = '', rootText = ''] = text.slice(0, -1).split('\n');
  const size = /^(0|[1-9][0-9]*)$/.test(sizeText) ? Number(sizeText) : undefined;
  checks.push({
    label: `Checkpoint size equals the tree size (${claim.treeSize})`,
    ok: size === claim.treeSize,
    detail: size === claim.treeSize ? undefined : `the checkpoint says ${sizeText}`,
  });
  const rootOk = sameBytes(decodeBase64(rootText), decodeBase64(claim.rootHash));
  checks.push({
    label: 'Checkpoint root hash equals the root hash',
    ok: rootOk,
    detail: rootOk ? undefined : `the checkpoint says ${rootText}`,
  });
  return done({ ...keyInfo, origin });
}
