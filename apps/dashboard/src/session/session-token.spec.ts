import { abilitiesOf, readClaims, tokenFromFragment, tokenProblem } from './session-token';

const segment = (value: object): string =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (claims: object): string =>
  `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment(claims)}.c2lnbmF0dXJl`;

describe('readClaims', () => {
  it('should read sub, roles and vendorId when the token is a JWT', () => {
    expect(readClaims(jwt({ sub: 'u', roles: ['vendor', 7], vendorId: 'v', exp: 10 }))).toEqual({
      sub: 'u',
      roles: ['vendor'],
      vendorId: 'v',
      exp: 10,
    });
  });

  it.each(['', 'a.b', 'a.b.c.d', 'a.!!.c', `x.${btoa('not json')}.y`])(
    'should give nothing when the token is %j',
    (token) => {
      expect(readClaims(token)).toBeUndefined();
    },
  );
});

describe('tokenProblem', () => {
  const now = 1_000_000_000_000;
  it.each([
    ['a usable token', jwt({ sub: 'u', roles: ['auditor'], exp: now / 1000 + 60 }), undefined],
    ['an expired token', jwt({ sub: 'u', roles: ['auditor'], exp: now / 1000 - 1 }), /expired/],
    ['a token without roles', jwt({ sub: 'u' }), /no roles/],
    ['text that is no token', 'hello', /not a token/],
  ])('should judge %s', (_, token, problem) => {
    const found = tokenProblem(token, now);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});

describe('tokenFromFragment', () => {
  it.each([
    ['#token=abc.def.ghi', 'abc.def.ghi'],
    ['#/x&token=a%2Eb', 'a.b'],
    ['#/vendors/v', undefined],
    ['', undefined],
  ])('should read the token of %j', (hash, token) => {
    expect(tokenFromFragment(hash)).toBe(token);
  });
});

describe('abilitiesOf', () => {
  it.each([
    [['privacy_officer'], { allVendors: true, patientLookup: true, patientReport: true }],
    [['auditor'], { allVendors: true, patientLookup: true, patientReport: false }],
    [['vendor'], { allVendors: false, patientLookup: false, patientReport: false, vendorId: 'v' }],
    // A token holding vendor is a vendor token whatever else it holds (the API reads it so).
    [
      ['vendor', 'auditor'],
      { allVendors: false, patientLookup: false, patientReport: false, vendorId: 'v' },
    ],
    [
      ['privacy_officer', 'vendor'],
      { allVendors: false, patientLookup: false, patientReport: false, vendorId: 'v' },
    ],
    [
      ['auditor', 'privacy_officer'],
      { allVendors: true, patientReport: true, vendorId: undefined },
    ],
  ])('should allow what the API allows when the roles are %j', (roles, expected) => {
    expect(abilitiesOf({ sub: 'u', roles, vendorId: 'v' })).toMatchObject(expected);
  });
});
