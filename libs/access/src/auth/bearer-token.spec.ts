import { createHmac } from 'node:crypto';
import { AuthenticationError } from './access-errors';
import { mintToken, verifyBearerToken, verifyToken } from './bearer-token';

const secret = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const now = Date.UTC(2025, 0, 1);
const policy = { secret, maxLifetimeS: 3600 };

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
    const viewer = verifyToken(token, policy, now + 1000);
    expect(viewer.subject).toBe('dora');
    expect(viewer.roles).toEqual(['vendor']);
    expect(viewer.vendorScope).toBe('acme');
  });

  const valid = { sub: 'a', roles: ['auditor'], iat: now / 1000, exp: now / 1000 + 60 };

  it('should accept a token without iat (RFC 7519: optional) whose exp is within the cap from now', () => {
    // What many clients mint: { sub, roles, exp: now + 1 h }, no iat.
    const token = handMade(
      { alg: 'HS256' },
      { sub: 'a', roles: ['auditor'], exp: valid.iat + 3600 },
    );
    expect(verifyToken(token, policy, now).subject).toBe('a');
    // Used later in its life, it stays accepted until exp.
    expect(verifyToken(token, policy, now + 3_599_000).subject).toBe('a');
    expect(() => verifyToken(token, policy, now + 3_600_000)).toThrow(/expired/);
  });

  it('should accept a token without exp (what jsonwebtoken signs by default: iat only) until iat plus the cap', () => {
    const token = handMade({ alg: 'HS256' }, { sub: 'a', roles: ['auditor'], iat: valid.iat });
    expect(verifyToken(token, policy, now).subject).toBe('a');
    expect(verifyToken(token, policy, now + 3_599_000).subject).toBe('a');
    expect(() => verifyToken(token, policy, now + 3_600_000)).toThrow(/expired \(no exp/);
  });

  it('should allow 60 s of clock skew for an iat ahead, and not a second more (no exp)', () => {
    const issued = (aheadS: number): string =>
      handMade({ alg: 'HS256' }, { sub: 'a', roles: ['auditor'], iat: valid.iat + aheadS });
    expect(verifyToken(issued(60), policy, now).subject).toBe('a');
    expect(() => verifyToken(issued(61), policy, now)).toThrow(/issued in the future/);
  });

  it('should accept a token whose lifetime is exactly the cap', () => {
    const token = handMade({ alg: 'HS256' }, { ...valid, exp: valid.iat + 3600 });
    expect(verifyToken(token, policy, now).subject).toBe('a');
  });

  it('should accept the issuer and an audience among several when the policy names them', () => {
    const token = mintToken({
      secret,
      sub: 'a',
      roles: ['auditor'],
      ttlSeconds: 60,
      issuer: 'https://idp.example',
      audience: 'scantrail',
      now,
    });
    const strict = { ...policy, issuer: 'https://idp.example', audience: 'scantrail' };
    expect(verifyToken(token, strict, now).subject).toBe('a');
    const listed = handMade(
      { alg: 'HS256' },
      { ...valid, iss: 'https://idp.example', aud: ['other', 'scantrail'] },
    );
    expect(verifyToken(listed, strict, now).subject).toBe('a');
  });

  it('should ignore iss and aud when the policy does not name them', () => {
    const token = handMade({ alg: 'HS256' }, { ...valid, iss: 'x', aud: 'y' });
    expect(verifyToken(token, policy, now).subject).toBe('a');
  });
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
    [
      'no roles claim',
      () => handMade({ alg: 'HS256' }, { sub: 'a', iat: valid.iat, exp: valid.exp }),
      /no roles/,
    ],
    [
      'no sub',
      () => handMade({ alg: 'HS256' }, { roles: ['auditor'], iat: valid.iat, exp: valid.exp }),
      /sub/,
    ],
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
    [
      'without exp nor iat (it would never expire)',
      () => handMade({ alg: 'HS256' }, { sub: 'a', roles: ['auditor'] }),
      /neither exp nor iat/,
    ],
    [
      'without exp, issued longer ago than the cap',
      () => handMade({ alg: 'HS256' }, { sub: 'a', roles: ['auditor'], iat: valid.iat - 3600 }),
      /expired \(no exp: issued more than 3600 s ago\)/,
    ],
    [
      'without iat, its exp further ahead than the cap',
      () =>
        handMade({ alg: 'HS256' }, { sub: 'a', roles: ['auditor'], exp: valid.iat + 3600 + 61 }),
      /lifetime exceeds the 3600 s allowed \(no iat: exp is too far ahead\)/,
    ],
    [
      'without iat, expired',
      () => handMade({ alg: 'HS256' }, { sub: 'a', roles: ['auditor'], exp: valid.iat - 1 }),
      /expired/,
    ],
    [
      'longer-lived than the cap',
      () => handMade({ alg: 'HS256' }, { ...valid, exp: valid.iat + 3601 }),
      /lifetime exceeds the 3600 s/,
    ],
    [
      'issued in the future',
      () => handMade({ alg: 'HS256' }, { ...valid, iat: valid.iat + 120, exp: valid.iat + 180 }),
      /future/,
    ],
  ];
  it.each(rejected)(
    'should throw AuthenticationError when the token is %s',
    (_name, make, message) => {
      expect(() => verifyToken(make(), policy, now)).toThrow(AuthenticationError);
      expect(() => verifyToken(make(), policy, now)).toThrow(message);
    },
  );

  // RFC 8725 3.11: a JWT of another kind (a logout token, a security event) signed with the
  // same secret must not pass for an access token. Absent, JWT (what libraries write by
  // default) and at+jwt (RFC 9068) are access tokens; media types are case-insensitive and
  // may carry the application/ prefix (RFC 7515 4.1.9).
  it.each([undefined, 'JWT', 'jwt', 'application/jwt', 'at+jwt', 'AT+JWT', 'application/at+jwt'])(
    'should accept typ %s',
    (typ) => {
      expect(verifyToken(handMade({ alg: 'HS256', typ }, valid), policy, now).subject).toBe('a');
    },
  );

  it.each<unknown>([
    'logout+jwt',
    'secevent+jwt',
    'application/secevent+jwt',
    'dpop+jwt',
    'JWE',
    'JOSE',
    '',
    1,
    ['JWT'],
  ])('should refuse typ %j: not an access token', (typ) => {
    expect(() => verifyToken(handMade({ alg: 'HS256', typ }, valid), policy, now)).toThrow(
      /token type \(typ\) must be JWT or at\+jwt/,
    );
  });

  const strict = { ...policy, issuer: 'https://idp.example', audience: 'scantrail' };
  it.each([
    ['no iss', { ...valid, aud: 'scantrail' }, /issuer/],
    ['another iss', { ...valid, iss: 'https://evil.example', aud: 'scantrail' }, /issuer/],
    ['no aud', { ...valid, iss: 'https://idp.example' }, /audience/],
    ['another aud', { ...valid, iss: 'https://idp.example', aud: ['x', 'y'] }, /audience/],
  ])('should refuse a token with %s when the policy names them', (_name, claims, message) => {
    expect(() => verifyToken(handMade({ alg: 'HS256' }, claims), strict, now)).toThrow(message);
  });
});

describe('verifyToken: confused claims', () => {
  const valid = { sub: 'a', roles: ['auditor'], iat: now / 1000, exp: now / 1000 + 60 };
  const verify = (claims: object): ReturnType<typeof verifyToken> =>
    verifyToken(handMade({ alg: 'HS256' }, claims), policy, now);

  it.each([
    ['vendor + privacy_officer', ['vendor', 'privacy_officer']],
    ['auditor + vendor', ['auditor', 'vendor']],
  ])('should read %s with a vendorId as a vendor token of that vendor', (_name, roles) => {
    const viewer = verify({ ...valid, roles, vendorId: 'acme' });
    expect(viewer.roles).toEqual(['vendor']);
    expect(viewer.vendorScope).toBe('acme');
    expect(viewer.can('access-log')).toBe(false);
  });

  it('should refuse vendor + privacy_officer without a vendorId', () => {
    expect(() => verify({ ...valid, roles: ['privacy_officer', 'vendor'] })).toThrow(/vendorId/);
  });

  it('should ignore unknown and look-alike roles beside a known one', () => {
    const viewer = verify({ ...valid, roles: ['auditor', 'PRIVACY_OFFICER', ['privacy_officer']] });
    expect(viewer.roles).toEqual(['auditor']);
  });

  it.each([
    ['256 characters', 'b'.repeat(256), /longer than 255/],
    ['10,000 characters', 'b'.repeat(10_000), /longer than 255/],
    ['CR LF', 'a\r\n{"actor":"x"}', /control/],
    ['NUL', 'a\u0000', /control/],
    ['a lone surrogate', 'a\ud800', /control/],
    ['a right-to-left override', 'a\u202eb', /control/],
    ['a zero-width space', 'a\u200bb', /control/],
    ['U+2028', 'a\u2028b', /control/],
    ['a leading space', ' a', /edge space/],
    ['a trailing no-break space', 'a\u00a0', /edge space/],
  ])('should refuse a sub with %s, saying so', (_name, sub, message) => {
    expect(() => verify({ ...valid, sub })).toThrow(AuthenticationError);
    expect(() => verify({ ...valid, sub })).toThrow(message);
  });

  it.each([
    ['255 characters', 'c'.repeat(255)],
    ['255 astral characters', '\u{1F600}'.repeat(255)],
    ['JSON text', '{"actor":"x"}'],
    ['accents and inner spaces', 'm\u00e9decin chef'],
  ])('should accept a sub of %s as it is', (_name, sub) => {
    expect(verify({ ...valid, sub }).subject).toBe(sub);
  });

  it.each([
    ['NUL', 'acme\u0000'],
    ['a line feed', 'acme\n'],
    ['a lone surrogate', 'acme\udc00'],
  ])('should refuse a vendorId with %s', (_name, vendorId) => {
    expect(() => verify({ ...valid, roles: ['vendor'], vendorId })).toThrow(
      /vendorId claim holds control/,
    );
  });

  it('should keep a vendorId of another case or spacing exactly as sent (it names no other vendor)', () => {
    expect(verify({ ...valid, roles: ['vendor'], vendorId: ' ACME' }).vendorScope).toBe(' ACME');
  });
});

describe('verifyToken: duplicate member names', () => {
  // RFC 7515 5.2 and RFC 7519 4: a parser must refuse duplicate names or take the last.
  // JSON.parse takes the last; a verifier or gateway in front that takes the first reads
  // another token from the same bytes, and an issuer that pastes a value into its JSON by
  // hand (`"sub":"<user input>"`) lets its user append `"roles":[...]` after its own.
  const iat = now / 1000;
  const raw = (header: string, payload: string): string => {
    const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const HEADER = '{"alg":"HS256"}';
  it.each([
    [
      'roles',
      `{"sub":"a","roles":["vendor"],"vendorId":"v","iat":${iat},"roles":["privacy_officer"]}`,
    ],
    ['vendorId', `{"sub":"a","roles":["vendor"],"vendorId":"v","iat":${iat},"vendorId":"w"}`],
    [
      'iat (no exp: iat alone says when it ends)',
      `{"sub":"a","roles":["auditor"],"iat":${iat - 1e9},"iat":${iat}}`,
    ],
    ['exp', `{"sub":"a","roles":["auditor"],"iat":${iat},"exp":${iat + 60},"exp":${iat + 90}}`],
    ['sub', `{"sub":"a","roles":["auditor"],"iat":${iat},"sub":"b"}`],
    [
      'exp spelt with an escape',
      `{"sub":"a","roles":["auditor"],"iat":${iat},"exp":${iat + 60},"\\u0065xp":${iat + 90}}`,
    ],
  ])('should refuse a payload naming %s twice, naming the claim', (name, payload) => {
    const claim = name.split(' ')[0];
    expect(() => verifyToken(raw(HEADER, payload), policy, now)).toThrow(
      new RegExp(`payload has the member ${claim} twice`),
    );
  });

  it('should refuse a payload with an unknown member twice without repeating its name', () => {
    const payload = `{"sub":"a","roles":["auditor"],"iat":${iat},"x-MRN-004211":1,"x-MRN-004211":2}`;
    expect(() => verifyToken(raw(HEADER, payload), policy, now)).toThrow(
      'malformed token: payload has a member twice',
    );
  });

  it('should refuse a header naming alg twice, even when the last is HS256', () => {
    const payload = `{"sub":"a","roles":["auditor"],"iat":${iat}}`;
    expect(() => verifyToken(raw('{"alg":"none","alg":"HS256"}', payload), policy, now)).toThrow(
      /header has the member alg twice/,
    );
  });

  it('should accept one name in several objects, and names that only look alike', () => {
    const payload = `{"sub":"a","roles":["auditor"],"iat":${iat},"x":{"sub":1,"roles":{"sub":2}},"y":[{"a":1},{"a":2}],"Sub":"b","sub ":"c","k":"\\"sub\\":"}`;
    expect(verifyToken(raw(HEADER, payload), policy, now).subject).toBe('a');
  });
});

describe('verifyBearerToken', () => {
  const token = mintToken({ secret, sub: 'a', roles: ['privacy_officer'], ttlSeconds: 60, now });
  it.each([
    [undefined, /missing/],
    ['', /missing/],
    [`Basic ${token}`, /Bearer/],
    [`Bearer`, /Bearer/],
  ])('should throw when the header is %j', (header, message) => {
    expect(() => verifyBearerToken(header, policy, now)).toThrow(message);
  });

  it('should accept any case of the scheme when the token is good', () => {
    expect(verifyBearerToken(`bearer ${token}`, policy, now).subject).toBe('a');
  });
});
