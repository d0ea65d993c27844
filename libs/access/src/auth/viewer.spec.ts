import { AccessDeniedError } from './access-errors';
import { Viewer } from './viewer';

describe('Viewer', () => {
  it('should scope to its vendor when the only role is vendor', () => {
    const viewer = new Viewer('v-user', ['vendor'], 'acme');
    expect(viewer.vendorScope).toBe('acme');
    expect(() => viewer.requireVendor('acme', 'vendorId')).not.toThrow();
    expect(() => viewer.requireVendor('other', 'vendorId')).toThrow(AccessDeniedError);
  });

  it('should see every vendor when it is an auditor, even with a vendorId claim', () => {
    const viewer = new Viewer('a', ['auditor', 'vendor'], 'acme');
    expect(viewer.vendorScope).toBeUndefined();
    expect(() => viewer.requireVendor('other', 'vendorId')).not.toThrow();
  });

  it.each([
    ['privacy_officer', 'access-log', true],
    ['auditor', 'access-log', false],
    ['auditor', 'patient-accounting', true],
    ['vendor', 'patient-accounting', false],
    ['vendor', 'quarantine', false],
  ] as const)('should %s -> %s = %s when asked to require it', (role, permission, allowed) => {
    const viewer = new Viewer('x', [role], 'acme');
    expect(viewer.can(permission)).toBe(allowed);
    if (allowed) expect(() => viewer.require(permission, 'op')).not.toThrow();
    else expect(() => viewer.require(permission, 'op')).toThrow(/op is not available/);
  });

  it('should refuse to exist when vendor-scoped without a vendorId', () => {
    expect(() => new Viewer('x', ['vendor'])).toThrow(RangeError);
  });
});
