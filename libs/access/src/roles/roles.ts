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

/** The union of what the roles grant: a token with several roles gets the widest. */
export function permissionsOf(roles: readonly Role[]): ReadonlySet<Permission> {
  return new Set(roles.flatMap((role) => GRANTS[role]));
}
