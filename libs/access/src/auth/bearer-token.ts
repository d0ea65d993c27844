import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from './access-errors';
import { Viewer } from './viewer';
import { isRole, type Role } from '../roles/roles';

// HS256 JWTs (RFC 7519 over RFC 7515 compact JWS) with node:crypto. jose is ESM-only,
// which Jest's CommonJS runtime cannot load, and HS256 needs nothing more than this.

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;
const SIGNATURE_BYTES = 32;

export interface MintTokenOptions {
  secret: Buffer;
  sub: string;
  roles: readonly Role[];
  vendorId?: string;
  ttlSeconds: number;
  /** Epoch milliseconds; defaults to now. */
  now?: number;
}

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function sign(secret: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput, 'ascii').digest();
}

/** A signed HS256 token with `sub`, `roles`, optional `vendorId`, `iat` and `exp`. */
export function mintToken(options: MintTokenOptions): string {
  if (options.sub === '') throw new RangeError('mintToken: sub must not be empty');
  if (!(options.ttlSeconds > 0)) throw new RangeError('mintToken: ttlSeconds must be positive');
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = {
    sub: options.sub,
    roles: [...options.roles],
    iat,
    exp: iat + Math.floor(options.ttlSeconds),
  };
  if (options.vendorId !== undefined) claims.vendorId = options.vendorId;
  const signingInput = `${encodeSegment({ alg: 'HS256', typ: 'JWT' })}.${encodeSegment(claims)}`;
  return `${signingInput}.${sign(options.secret, signingInput).toString('base64url')}`;
}

function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(segment))
    throw new AuthenticationError(`malformed token: ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new AuthenticationError(`malformed token: ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuthenticationError(`malformed token: ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AuthenticationError(`malformed token: ${name} is not a NumericDate`);
  }
  return value;
}

/** The roles claim: an array of strings (a single string is read as one role). */
function knownRoles(claim: unknown): Role[] {
  const list = typeof claim === 'string' ? [claim] : claim;
  if (!Array.isArray(list)) throw new AuthenticationError('token has no roles claim');
  const roles = [...new Set(list.filter(isRole))];
  if (roles.length === 0) throw new AuthenticationError('token has no known role');
  return roles;
}

/**
 * Verifies an HS256 bearer token and returns who it names. Throws AuthenticationError
 * (HTTP 401) when the token is missing, malformed, badly signed, not yet valid, expired,
 * or carries no known role; `exp` is honoured when present.
 */
export function verifyToken(token: string, secret: Buffer, now: number = Date.now()): Viewer {
  const parts = token.split('.');
  if (parts.length !== 3) throw new AuthenticationError('malformed token: expected three segments');
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = decodeJsonSegment(headerPart, 'header');
  if (header.alg !== 'HS256') throw new AuthenticationError('token algorithm must be HS256');
  if (header.crit !== undefined)
    throw new AuthenticationError('token has unsupported critical headers');
  if (!BASE64URL.test(signaturePart))
    throw new AuthenticationError('malformed token: bad signature encoding');
  const signature = Buffer.from(signaturePart, 'base64url');
  const expected = sign(secret, `${headerPart}.${payloadPart}`);
  if (signature.length !== SIGNATURE_BYTES || !timingSafeEqual(signature, expected)) {
    throw new AuthenticationError('token signature does not verify');
  }

  const claims = decodeJsonSegment(payloadPart, 'payload');
  const nowSeconds = now / 1000;
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && nowSeconds >= exp) throw new AuthenticationError('token has expired');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nowSeconds < nbf)
    throw new AuthenticationError('token is not valid yet');
  if (typeof claims.sub !== 'string' || claims.sub === '') {
    throw new AuthenticationError('token has no sub claim');
  }
  const roles = knownRoles(claims.roles);
  const vendorId = claims.vendorId;
  if (vendorId !== undefined && (typeof vendorId !== 'string' || vendorId === '')) {
    throw new AuthenticationError('token vendorId claim must be a non-empty string');
  }
  try {
    return new Viewer(claims.sub, roles, vendorId);
  } catch {
    throw new AuthenticationError('a vendor token needs a vendorId claim');
  }
}

/** verifyToken for an HTTP `Authorization` header value (`Bearer <token>`). */
export function verifyBearerToken(
  authorization: string | undefined,
  secret: Buffer,
  now: number = Date.now(),
): Viewer {
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthenticationError('missing bearer token');
  }
  const match = BEARER.exec(authorization);
  if (match === null) throw new AuthenticationError('authorization header is not "Bearer <token>"');
  return verifyToken(match[1], secret, now);
}
