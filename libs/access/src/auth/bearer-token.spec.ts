import { createHmac } from 'node:crypto';
import { AuthenticationError } from './access-errors';
import { mintToken, verifyBearerToken, verifyToken } from './bearer-token';

const secret = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const now = Date.UTC(2025, 0, 1);

function handMade(header: object, claims: object, key = secret): string {
  const enc = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc(header)}.${enc(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

describe('mintToken / verifyToken', () => {
  it('should round-trip sub, roles and vendorId when the token is fresh', () => {
    const token = mintToken({
      secret,
      sub: 'dora',
      roles: ['vendor'],
      vendorId: 'acme',
      ttlSeconds: 60,
      now,
    });
    const viewer = verifyToken(token, secret, now + 1000);
    expect(viewer.subject).toBe('dora');
    expect(viewer.roles).toEqual(['vendor']);
    expect(viewer.vendorScope).toBe('acme');
  });

  it('should accept a token without exp when everything else is valid', () => {
    const viewer = verifyToken(
      handMade({ alg: 'HS256' }, { sub: 'a', roles: ['auditor'] }),
      secret,
      now,
    );
    expect(viewer.vendorScope).toBeUndefined();
  });

  const valid = { sub: 'a', roles: ['auditor'], exp: now / 1000 + 60 };
  const rejected: [string, () => string, RegExp][] = [
    [
      'expired',
      () => mintToken({ secret, sub: 'a', roles: ['auditor'], ttlSeconds: 60, now: now - 61_000 }),
      /expired/,
    ],
    [
      'signed with another key',
      () => handMade({ alg: 'HS256' }, valid, Buffer.alloc(32, 7)),
      /signature/,
    ],
    [
      'alg none',
      () => `${handMade({ alg: 'none' }, valid).split('.').slice(0, 2).join('.')}.`,
      /HS256/,
    ],
    ['alg HS512', () => handMade({ alg: 'HS512' }, valid), /HS256/],
    ['not three segments', () => 'abc.def', /three segments/],
    [
      'payload not JSON',
      () => {
        const [h, , s] = handMade({ alg: 'HS256' }, valid).split('.');
        return `${h}.bm90IGpzb24.${s}`;
      },
      /signature|JSON/,
    ],
    [
      'no known role',
      () => handMade({ alg: 'HS256' }, { ...valid, roles: ['admin'] }),
      /no known role/,
    ],
    ['no roles claim', () => handMade({ alg: 'HS256' }, { sub: 'a', exp: valid.exp }), /no roles/],
    ['no sub', () => handMade({ alg: 'HS256' }, { roles: ['auditor'], exp: valid.exp }), /sub/],
    [
      'vendor without vendorId',
      () => handMade({ alg: 'HS256' }, { ...valid, roles: ['vendor'] }),
      /vendorId/,
    ],
    [
      'not yet valid',
      () => handMade({ alg: 'HS256' }, { ...valid, nbf: now / 1000 + 30 }),
      /not valid yet/,
    ],
    [
      'exp not a number',
      () => handMade({ alg: 'HS256' }, { ...valid, exp: 'soon' }),
      /NumericDate/,
    ],
    ['crit header', () => handMade({ alg: 'HS256', crit: ['x'] }, valid), /critical/],
  ];
  it.each(rejected)(
    'should throw AuthenticationError when the token is %s',
    (_name, make, message) => {
      expect(() => verifyToken(make(), secret, now)).toThrow(AuthenticationError);
      expect(() => verifyToken(make(), secret, now)).toThrow(message);
    },
  );
});

describe('verifyBearerToken', () => {
  const token = mintToken({ secret, sub: 'a', roles: ['privacy_officer'], ttlSeconds: 60, now });
  it.each([
    [undefined, /missing/],
    ['', /missing/],
    [`Basic ${token}`, /Bearer/],
    [`Bearer`, /Bearer/],
  ])('should throw when the header is %j', (header, message) => {
    expect(() => verifyBearerToken(header, secret, now)).toThrow(message);
  });

  it('should accept any case of the scheme when the token is good', () => {
    expect(verifyBearerToken(`bearer ${token}`, secret, now).subject).toBe('a');
  });
});
