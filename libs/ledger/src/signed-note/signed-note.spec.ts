import { formatCheckpoint, parseCheckpoint } from '../checkpoint/checkpoint';
import { NoteVerifier, generateSignerKey, parseSignerKey, parseVerifierKey } from './note-keys';
import { openNote, signNote } from './signed-note';

// Examples of golang.org/x/mod/sumdb/note (note.go and note_test.go).
const PETER_SIGNER =
  'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VERIFIER = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  'If you think cryptography is the answer to your problem,\n' +
  "then you don't know what your problem is.\n";
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

// Inserts "ABCD" into the base64 of a signature line: still base64, no longer the signature.
function corrupt(signatureLine: string): string {
  const at = signatureLine.indexOf(' ', 2) + 1 + 40;
  return `${signatureLine.slice(0, at)}ABCD${signatureLine.slice(at)}`;
}

describe('signed note', () => {
  const peter = parseVerifierKey(PETER_VERIFIER);
  const enoch = parseVerifierKey(ENOCH_VERIFIER);

  it('should reproduce the sumdb example signature byte for byte when signing its text', () => {
    expect(signNote(TEXT, parseSignerKey(PETER_SIGNER))).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('should verify the known signature and ignore the unknown one when only Peter is trusted', () => {
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter])).toEqual({
      text: TEXT,
      verifiedBy: ['PeterNeumann'],
    });
  });

  it('should verify both signatures when both keys are trusted', () => {
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]).verifiedBy).toEqual([
      'PeterNeumann',
      'EnochRoot',
    ]);
  });

  it('should count each key once when signatures are repeated', () => {
    const note = `${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${corrupt(ENOCH_SIG)}`;
    expect(openNote(note, [peter]).verifiedBy).toEqual(['PeterNeumann']);
  });

  it('should accept a note whose text has blank lines when it is split at the last one', () => {
    const text = 'first\n\nthird\n';
    const note = signNote(text, parseSignerKey(PETER_SIGNER));
    expect(openNote(note, [peter]).text).toBe(text);
  });

  it.each<[string, string, readonly NoteVerifier[], RegExp]>([
    [
      'no trusted key signed it',
      `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`,
      [],
      /no verifiable signatures/,
    ],
    [
      'a trusted key is listed twice',
      `${TEXT}\n${ENOCH_SIG}`,
      [enoch, peter, enoch],
      /ambiguous key EnochRoot\+af0cfe78/,
    ],
    [
      'a trusted signature is wrong',
      `${TEXT}\n${corrupt(PETER_SIG)}`,
      [peter],
      /invalid signature for key PeterNeumann\+c74f20a3/,
    ],
    ['it has 101 signatures', `${TEXT}\n${PETER_SIG.repeat(101)}`, [peter], /malformed/],
    ['there is no signature block', TEXT, [peter], /malformed/],
    ['the signature block is empty', `${TEXT}\n`, [peter], /malformed/],
    [
      'the last signature has no newline',
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      [peter],
      /malformed/,
    ],
    ['it has a control character', `\u0001${TEXT}\n${PETER_SIG}`, [peter], /malformed/],
    ['it has a lone surrogate', `\ud800${TEXT}\n${PETER_SIG}`, [peter], /malformed/],
    [
      'a signer name has a space',
      `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      [peter],
      /malformed/,
    ],
    [
      'a line follows the signatures',
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      [peter],
      /malformed/,
    ],
    ['a signature is too short', `${TEXT}\n\u2014 PeterNeumann x08gow==\n`, [peter], /malformed/],
  ])('should throw when %s', (_label, note, verifiers, message) => {
    expect(() => openNote(note, verifiers)).toThrow(message);
  });

  it('should still open the note when an unused trusted key is listed twice', () => {
    expect(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]).verifiedBy).toEqual([
      'PeterNeumann',
    ]);
  });

  it.each([
    ['text without a final newline', 'abc'],
    ['text with a control character', 'a\u0007b\n'],
  ])('should refuse to sign %s', (_label, text) => {
    expect(() => signNote(text, parseSignerKey(PETER_SIGNER))).toThrow(/note text/);
  });

  it('should sign and open a checkpoint when the key name is the origin', () => {
    const origin = 'scantrail.local/ledger';
    const { signerKey, verifierKey } = generateSignerKey(origin);
    const text = formatCheckpoint({ origin, size: 42, rootHash: Buffer.alloc(32, 9) });
    const note = signNote(text, parseSignerKey(signerKey));
    const opened = openNote(note, [parseVerifierKey(verifierKey)]);
    expect(opened.verifiedBy).toEqual([origin]);
    expect(parseCheckpoint(opened.text)).toEqual({
      origin,
      size: 42,
      rootHash: Buffer.alloc(32, 9),
    });
    const forged = note.replace('\n42\n', '\n43\n');
    expect(() => openNote(forged, [parseVerifierKey(verifierKey)])).toThrow(/invalid signature/);
  });
});
