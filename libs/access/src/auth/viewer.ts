import { AccessDeniedError } from './access-errors';
import { permissionsOf, type Permission, type Role } from '../roles/roles';

/**
 * Who is asking, as every read service sees it. Services take a Viewer (not a raw token)
 * and apply its scope inside their queries, so counts and messages are computed over
 * what the viewer may see, never filtered after the fact.
 */
export class Viewer {
  private readonly permissions: ReadonlySet<Permission>;

  constructor(
    /** The token's `sub`: recorded as the actor of patient lookups. */
    readonly subject: string,
    readonly roles: readonly Role[],
    /** The token's `vendorId` claim (required of a vendor token: see effectiveRoles). */
    readonly vendorId?: string,
  ) {
    this.permissions = permissionsOf(roles);
    if (!this.permissions.has('all-vendors') && vendorId === undefined) {
      throw new RangeError('a vendor-scoped viewer needs a vendorId');
    }
  }

  can(permission: Permission): boolean {
    return this.permissions.has(permission);
  }

  /**
   * The vendor every answer is limited to, or undefined when the viewer sees all
   * vendors. A vendor sees only what was disclosed or transferred to it, what it passed
   * on, and what it trained or deleted.
   */
  get vendorScope(): string | undefined {
    return this.permissions.has('all-vendors') ? undefined : this.vendorId;
  }

  /** Throws AccessDeniedError (FORBIDDEN) unless the viewer holds the permission. */
  require(permission: Permission, operation: string): void {
    if (!this.permissions.has(permission)) {
      throw new AccessDeniedError(`${operation} is not available to role ${this.roles.join(', ')}`);
    }
  }

  /** Throws AccessDeniedError when a vendor-scoped viewer names another vendor. */
  requireVendor(vendorId: string, argument: string): void {
    const scope = this.vendorScope;
    if (scope !== undefined && vendorId !== scope) {
      throw new AccessDeniedError(`${argument}: a vendor token may only name its own vendor`);
    }
  }
}
