import { effectiveRoles, isRole, permissionsOf, type Permission, type Role } from './roles';

describe('permissionsOf', () => {
  const cases: [Role[], Permission[]][] = [
    [
      ['privacy_officer'],
      ['all-vendors', 'patient-accounting', 'quarantine', 'access-log', 'clear-identifiers'],
    ],
    [['auditor'], ['all-vendors', 'patient-accounting', 'quarantine']],
    [['vendor'], []],
    [
      ['vendor', 'auditor'],
      ['all-vendors', 'patient-accounting', 'quarantine'],
    ],
    [[], []],
  ];
  it.each(cases)(
    'should grant exactly the listed permissions when roles are %j',
    (roles, expected) => {
      expect([...permissionsOf(roles)].sort()).toEqual([...expected].sort());
    },
  );
});

describe('isRole', () => {
  it.each([
    ['privacy_officer', true],
    ['auditor', true],
    ['vendor', true],
    ['admin', false],
    ['AUDITOR', false],
    [7, false],
  ])('should answer %j -> %s when asked', (value, expected) => {
    expect(isRole(value)).toBe(expected);
  });
});

describe('effectiveRoles', () => {
  it.each<[Role[], Role[]]>([
    [['privacy_officer'], ['privacy_officer']],
    [['auditor', 'auditor'], ['auditor']],
    [
      ['auditor', 'privacy_officer'],
      ['privacy_officer', 'auditor'],
    ],
    [['vendor'], ['vendor']],
    [['vendor', 'privacy_officer'], ['vendor']],
    [['privacy_officer', 'vendor'], ['vendor']],
    [['auditor', 'vendor', 'privacy_officer'], ['vendor']],
  ])('should read %j as %j (a vendor token stays a vendor token)', (roles, expected) => {
    expect(effectiveRoles(roles)).toEqual(expected);
  });

  it('should never grant a token holding vendor more than a vendor', () => {
    const all: Role[] = ['privacy_officer', 'auditor', 'vendor'];
    for (let mask = 1; mask < 8; mask += 1) {
      const roles = all.filter((_, i) => mask & (1 << i));
      if (!roles.includes('vendor')) continue;
      expect([...permissionsOf(effectiveRoles(roles))]).toEqual([]);
    }
  });
});
