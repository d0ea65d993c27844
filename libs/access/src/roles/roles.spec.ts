import { isRole, permissionsOf, type Permission, type Role } from './roles';

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
