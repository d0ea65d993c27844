import { createHmac } from 'node:crypto';
import { AuthenticationError } from './access-errors';
import { mintToken } from './bearer-token';
import { TokenVerifier } from './token-verifier';

const secret = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const now = Date.UTC(2025, 0, 1);
const policy = { secret, maxLifetimeS: 3600 };

function signed(claims: object, key = secret): string {
  const enc = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg: 'HS256' })}.${enc(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

const bearer = (token: string): string => `Bearer ${token}`;

describe('TokenVerifier', () => {
  const token = mintToken({ secret, sub: 'ana', roles: ['auditor'], ttlSeconds: 60, now });

  it('should answer a kept token with the viewer it verified when the token is sent again', () => {
    const tokens = new TokenVerifier(policy);
    const first = tokens.verifyBearer(bearer(token), now);
    expect(first.subject).toBe('ana');
    expect(tokens.verifyBearer(bearer(token), now + 1_000)).toBe(first);
  });

  it('should refuse a kept token as expired when its exp has passed', () => {
    const tokens = new TokenVerifier(policy);
    tokens.verifyBearer(bearer(token), now + 59_000);
    expect(() => tokens.verifyBearer(bearer(token), now + 60_000)).toThrow(/expired/);
    expect(() => tokens.verifyBearer(bearer(token), now + 61_000)).toThrow(/expired/);
  });

  it('should verify a token afresh when it was refused before (nothing refused is kept)', () => {
    const tokens = new TokenVerifier(policy);
    const early = signed({
      sub: 'ana',
      roles: ['auditor'],
      iat: now / 1000,
      exp: now / 1000 + 60,
      nbf: now / 1000 + 30,
    });
    expect(() => tokens.verifyBearer(bearer(early), now)).toThrow(/not valid yet/);
    expect(tokens.verifyBearer(bearer(early), now + 30_000).subject).toBe('ana');
  });

  it.each([
    [
      'signed with another key',
      () =>
        signed(
          { sub: 'ana', roles: ['auditor'], iat: now / 1000, exp: now / 1000 + 60 },
          Buffer.alloc(32, 7),
        ),
    ],
    ['the kept token with one more character', () => `${token}A`],
    ['the kept token with its signature cut', () => token.slice(0, -2)],
  ])('should refuse a token %s beside a kept good one', (_name, make) => {
    const tokens = new TokenVerifier(policy);
    tokens.verifyBearer(bearer(token), now);
    expect(() => tokens.verifyBearer(bearer(make()), now)).toThrow(AuthenticationError);
  });

  it('should refuse a missing or non-Bearer header as verifyBearerToken does', () => {
    const tokens = new TokenVerifier(policy);
    tokens.verifyBearer(bearer(token), now);
    expect(() => tokens.verifyBearer(undefined, now)).toThrow(/missing/);
    expect(() => tokens.verifyBearer(`Basic ${token}`, now)).toThrow(/Bearer/);
  });

  it('should keep at most max tokens, verifying the least recently used again when it returns', () => {
    const tokens = new TokenVerifier(policy, 2);
    const mint = (sub: string): string =>
      mintToken({ secret, sub, roles: ['auditor'], ttlSeconds: 60, now });
    const [a, b, c] = ['a', 'b', 'c'].map(mint);
    const viewerA = tokens.verifyBearer(bearer(a), now);
    tokens.verifyBearer(bearer(b), now);
    tokens.verifyBearer(bearer(c), now);
    const again = tokens.verifyBearer(bearer(a), now);
    expect(again.subject).toBe('a');
    expect(again).not.toBe(viewerA);
  });
});
