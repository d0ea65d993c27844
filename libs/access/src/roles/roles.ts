/** The roles a bearer token may carry (claim `roles`), per CONTRACT.md section 3. */
export const ROLES = ['privacy_officer', 'auditor', 'vendor'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * What a viewer may read beyond the ledger (which is public to every role: it carries
 * pseudonyms only, and its proofs are the point of a transparency log).
 *  - `all-vendors`: read every vendor's data; without it, only the token's own vendor's.
 *  - `patient-accounting`: ask for a patient's accounting of disclosures.
 *  - `quarantine`: read refused messages (raw bytes may hold anything, identifiers too).
 *  - `access-log`: read who looked at which patient.
 *  - `clear-identifiers`: see patient identifiers in clear where they exist at all (only
 *    in quarantined raw messages: the ledger and read models hold pseudonyms).
 */
export type Permission =
  'all-vendors' | 'patient-accounting' | 'quarantine' | 'access-log' | 'clear-identifiers';

const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  privacy_officer: [
    'all-vendors',
    'patient-accounting',
    'quarantine',
    'access-log',
    'clear-identifiers',
  ],
  auditor: ['all-vendors', 'patient-accounting', 'quarantine'],
  vendor: [],
};

/**
 * The roles a token with several acts under. A vendor is an outside party: a token that
 * says `vendor` is a vendor token, scoped to its `vendorId`, whatever other role it also
 * claims (CONTRACT 3: a vendor gets "only what concerns the vendor in claim vendorId";
 * when an issuer's claims contradict each other, the narrower reading holds). Roles of the
 * organisation together (privacy_officer and auditor) get the widest of them. Duplicates
 * are read once.
 */
export function effectiveRoles(roles: readonly Role[]): Role[] {
  if (roles.includes('vendor')) return ['vendor'];
  return ROLES.filter((role) => roles.includes(role));
}

/** The union of what the roles grant (after effectiveRoles: the widest organisation role). */
export function permissionsOf(roles: readonly Role[]): ReadonlySet<Permission> {
  return new Set(roles.flatMap((role) => GRANTS[role]));
}
