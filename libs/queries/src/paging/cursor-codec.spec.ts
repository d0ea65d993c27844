import fc from 'fast-check';
import { CursorCodec } from './cursor-codec';
import { InvalidArgumentError } from '../errors/read-errors';

const findings = new CursorCodec('findings', ['number', 'string', 'string'] as const);
const vendors = new CursorCodec('vendors', ['string'] as const);

describe('CursorCodec', () => {
  it('should decode what it encoded for any key', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string(), fc.string(), (seq, uid, code) => {
        expect(findings.decode(findings.encode([seq, uid, code]))).toEqual([seq, uid, code]);
      }),
      { numRuns: 200 },
    );
  });

  it('should start a page after the decoded key, or at the first when after is absent', () => {
    expect(vendors.after(vendors.encode(['acme']))).toEqual(['acme']);
    expect(vendors.after(null)).toBeUndefined();
    expect(vendors.after(undefined)).toBeUndefined();
    expect(() => vendors.after(findings.encode([1, 'a', 'b']))).toThrow(InvalidArgumentError);
  });

  const bad: [string, string][] = [
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['another list', vendors.encode(['acme'])],
    ['wrong arity', Buffer.from(JSON.stringify(['findings', 1, 'a'])).toString('base64url')],
    ['wrong type', Buffer.from(JSON.stringify(['findings', '1', 'a', 'b'])).toString('base64url')],
    [
      'unsafe number',
      Buffer.from(JSON.stringify(['findings', 1.5, 'a', 'b'])).toString('base64url'),
    ],
    ['too long', 'a'.repeat(3000)],
  ];
  it.each(bad)('should refuse with BAD_USER_INPUT when the cursor is %s', (_name, cursor) => {
    expect(() => findings.decode(cursor)).toThrow(InvalidArgumentError);
    expect(() => findings.decode(cursor)).toThrow(/after: not a cursor of this findings list/);
  });

  it('should give a list its refusal for a cursor it decodes but did not give (the same error)', () => {
    const refusal = vendors.refusal();
    expect(refusal).toBeInstanceOf(InvalidArgumentError);
    expect(refusal.message).toBe(
      'after: not a cursor of this vendors list (use an endCursor or edge cursor it returned)',
    );
    expect(() => vendors.decode('')).toThrow(refusal.message);
  });
});
