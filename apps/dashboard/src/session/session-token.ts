// The user's bearer token: from a login box or a `#token=` link, kept in sessionStorage
// (gone when the tab closes). Its claims are read only to shape the page (which panels
// to show); the API verifies the token on every request.

const STORAGE_KEY = 'scantrail.dashboard.token';
const TOKEN_FRAGMENT = /(?:^#|&)token=([^&]+)/;

export interface TokenClaims {
  sub: string;
  roles: string[];
  vendorId?: string;
  /** Epoch seconds. */
  exp?: number;
}

export interface Session {
  token: string;
  claims: TokenClaims;
}

/** Reads the claims of a JWT without verifying it; undefined when it is not a JWT. */
export function readClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const json = new TextDecoder().decode(base64UrlBytes(parts[1]));
    const value = JSON.parse(json) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null) return undefined;
    const roles = Array.isArray(value.roles)
      ? value.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return {
      sub: typeof value.sub === 'string' ? value.sub : '',
      roles,
      vendorId: typeof value.vendorId === 'string' ? value.vendorId : undefined,
      exp: typeof value.exp === 'number' ? value.exp : undefined,
    };
  } catch {
    return undefined;
  }
}

function base64UrlBytes(text: string): Uint8Array {
  const padded = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/** Why a token cannot be used, or undefined when it looks usable. */
export function tokenProblem(token: string, nowMs: number): string | undefined {
  const claims = readClaims(token);
  if (claims === undefined) return 'This is not a token: expected three base64url parts (a JWT).';
  if (claims.roles.length === 0) return 'The token carries no roles.';
  if (claims.exp !== undefined && claims.exp * 1000 <= nowMs) return 'The token has expired.';
  return undefined;
}

/** The token of a `#token=...` fragment, if the page was opened with one. */
export function tokenFromFragment(hash: string): string | undefined {
  const match = TOKEN_FRAGMENT.exec(hash);
  return match ? decodeURIComponent(match[1]) : undefined;
}

export function loadSession(storage: Storage): Session | undefined {
  const token = storage.getItem(STORAGE_KEY);
  if (token === null) return undefined;
  const claims = readClaims(token);
  if (claims === undefined) {
    storage.removeItem(STORAGE_KEY);
    return undefined;
  }
  return { token, claims };
}

export function saveSession(storage: Storage, token: string): Session | undefined {
  const claims = readClaims(token);
  if (claims === undefined) return undefined;
  storage.setItem(STORAGE_KEY, token);
  return { token, claims };
}

export function clearSession(storage: Storage): void {
  storage.removeItem(STORAGE_KEY);
}

/** What the page may offer: the API enforces the same on every request. */
export interface Abilities {
  /** Sees every vendor (privacy officer or auditor). */
  allVendors: boolean;
  /** May look up a patient's accounting of disclosures. */
  patientLookup: boolean;
  /** May download it as a PDF (it shows the identifier in clear: privacy officers only). */
  patientReport: boolean;
  /** The only vendor a vendor token sees. */
  vendorId?: string;
  roleLabel: string;
}

export function abilitiesOf(claims: TokenClaims): Abilities {
  // As the API reads roles (effectiveRoles): a token holding vendor is a vendor token.
  const vendor = claims.roles.includes('vendor');
  const officer = !vendor && claims.roles.includes('privacy_officer');
  const auditor = !vendor && claims.roles.includes('auditor');
  const wide = officer || auditor;
  return {
    allVendors: wide,
    patientLookup: wide,
    patientReport: officer,
    vendorId: wide ? undefined : claims.vendorId,
    roleLabel: officer
      ? 'Privacy officer'
      : auditor
        ? 'Auditor'
        : `Vendor ${claims.vendorId ?? '(no vendorId)'}`,
  };
}
