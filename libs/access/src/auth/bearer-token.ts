import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from './access-errors';
import { Viewer } from './viewer';
import { effectiveRoles, isRole, type Role } from '../roles/roles';

// HS256 JWTs (RFC 7519 over RFC 7515 compact JWS) with node:crypto. jose is ESM-only,
// which Jest's CommonJS runtime cannot load, and HS256 needs nothing more than this.

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;
const SIGNATURE_BYTES = 32;

// A token minted by a clock a little ahead of ours is still accepted (`iat`).
const CLOCK_SKEW_S = 60;

export interface MintTokenOptions {
  secret: Buffer;
  sub: string;
  roles: readonly Role[];
  vendorId?: string;
  ttlSeconds: number;
  /** `iss` and `aud` claims, for an API that checks them (AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE). */
  issuer?: string;
  audience?: string;
  /** Epoch milliseconds; defaults to now. */
  now?: number;
}

/** What a token must satisfy besides its HS256 signature. */
export interface TokenPolicy {
  secret: Buffer;
  /** Longest accepted `exp - iat`, in seconds. */
  maxLifetimeS: number;
  /** When set, `iss` must equal it. */
  issuer?: string;
  /** When set, `aud` (a string or an array of strings) must contain it. */
  audience?: string;
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
  if (options.issuer !== undefined) claims.iss = options.issuer;
  if (options.audience !== undefined) claims.aud = options.audience;
  const signingInput = `${encodeSegment({ alg: 'HS256', typ: 'JWT' })}.${encodeSegment(claims)}`;
  return `${signingInput}.${sign(options.secret, signingInput).toString('base64url')}`;
}

/** Member names a refusal may repeat: the ones this verifier reads (others may hold anything). */
const NAMED_MEMBERS: ReadonlySet<string> = new Set([
  'alg',
  'typ',
  'crit',
  'sub',
  'roles',
  'vendorId',
  'iat',
  'exp',
  'nbf',
  'iss',
  'aud',
]);

// A JSON string literal (RFC 8259 7), a brace, or a run of anything else.
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|[{}]|[^"{}]+/gy;
// What follows a string that is a member name.
const NAME_SEPARATOR = /[ \t\n\r]*:/y;

function nameFollows(text: string, at: number): boolean {
  NAME_SEPARATOR.lastIndex = at;
  return NAME_SEPARATOR.test(text);
}

/**
 * The first member name that occurs twice in one object of `text`, which JSON.parse has
 * already accepted (so every `"` opens or closes a string). Names compare decoded, so
 * `"\u0065xp"` is `exp`. RFC 7515 5.2 and RFC 7519 4 let a parser refuse duplicates or take
 * the last; refusing means no reader in front that takes the first sees another token, and
 * a value an issuer pasted into its JSON by hand cannot override a claim after it.
 */
function duplicateMember(text: string): string | undefined {
  const open: Set<string>[] = [];
  JSON_TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = JSON_TOKEN.exec(text)) !== null) {
    const token = match[0];
    if (token === '{') open.push(new Set());
    else if (token === '}') open.pop();
    else if (token.startsWith('"') && nameFollows(text, JSON_TOKEN.lastIndex)) {
      const names = open[open.length - 1];
      const name = JSON.parse(token) as string;
      if (names.has(name)) return name;
      names.add(name);
    }
  }
  return undefined;
}

function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(segment))
    throw new AuthenticationError(`malformed token: ${what} is not base64url`);
  const text = Buffer.from(segment, 'base64url').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AuthenticationError(`malformed token: ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuthenticationError(`malformed token: ${what} is not a JSON object`);
  }
  const twice = duplicateMember(text);
  if (twice !== undefined) {
    throw new AuthenticationError(
      NAMED_MEMBERS.has(twice)
        ? `malformed token: ${what} has the member ${twice} twice`
        : `malformed token: ${what} has a member twice`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * The JOSE `typ` values of an access token (RFC 8725 3.11, explicit typing): none, `JWT`
 * (what jsonwebtoken and PyJWT write by default) and `at+jwt` (RFC 9068), compared as media
 * types are, case-insensitively and with or without `application/` (RFC 7515 4.1.9). Any
 * other kind of JWT signed with the same secret (a logout token, a security event, a DPoP
 * proof) is not an access token.
 */
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(['jwt', 'at+jwt']);

function checkType(typ: unknown): void {
  if (typ === undefined) return;
  const type = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : '';
  if (!ACCESS_TOKEN_TYPES.has(type)) {
    throw new AuthenticationError('token type (typ) must be JWT or at+jwt: not an access token');
  }
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AuthenticationError(`malformed token: ${name} is not a NumericDate`);
  }
  return value;
}

/**
 * The roles claim: an array of strings (a single string is read as one role). Only exact
 * role names count (no case folding, no trimming); anything else in the list is ignored,
 * which can only narrow what the token may do. Several roles: see effectiveRoles.
 */
function knownRoles(claim: unknown): Role[] {
  const list = typeof claim === 'string' ? [claim] : claim;
  if (!Array.isArray(list)) throw new AuthenticationError('token has no roles claim');
  const roles = list.filter(isRole);
  if (roles.length === 0) throw new AuthenticationError('token has no known role');
  return effectiveRoles(roles);
}

/** The most characters of a `sub` (OpenID Connect Core 1.0 section 2: at most 255). */
export const MAX_SUBJECT_LENGTH = 255;

/**
 * Characters that no identifier shown to a person may hold: controls (CR, LF, NUL: a
 * forged line in a report or a log; PostgreSQL cannot store NUL, and one such record
 * failed the whole group of access-log records written with it), format characters
 * (bidi overrides, zero-width: an actor that reads as another), line and paragraph
 * separators, and lone surrogates (not text: PostgreSQL refuses them too).
 */
const NOT_IN_IDENTIFIERS = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
/** What an identifier cannot start or end with: it would read as another. */
const EDGE_SPACE = /^\s|\s$/u;

/**
 * The `sub` claim, the actor the access log records and reports name: a non-empty string
 * of at most 255 characters, none of them invisible or a control, with no space at
 * either end. Anything else is refused rather than cleaned: a cleaned actor would name
 * someone the issuer did not.
 */
function subjectOf(claim: unknown): string {
  if (typeof claim !== 'string' || claim === '') {
    throw new AuthenticationError('token has no sub claim');
  }
  if (claim.length > 2 * MAX_SUBJECT_LENGTH || [...claim].length > MAX_SUBJECT_LENGTH) {
    throw new AuthenticationError(
      `token sub claim is longer than ${MAX_SUBJECT_LENGTH} characters`,
    );
  }
  if (NOT_IN_IDENTIFIERS.test(claim) || EDGE_SPACE.test(claim)) {
    throw new AuthenticationError(
      'token sub claim holds control, invisible or edge space characters',
    );
  }
  return claim;
}

/**
 * The `vendorId` claim when present: a non-empty string without controls or lone
 * surrogates (no vendor's id holds them; PostgreSQL cannot even compare NUL). It is
 * compared exactly: another case, spacing or normalisation is another vendor's id.
 */
function vendorIdOf(claim: unknown): string | undefined {
  if (claim === undefined) return undefined;
  if (typeof claim !== 'string' || claim === '') {
    throw new AuthenticationError('token vendorId claim must be a non-empty string');
  }
  if (/[\p{Cc}\p{Cs}]/u.test(claim)) {
    throw new AuthenticationError('token vendorId claim holds control characters');
  }
  return claim;
}

/**
 * The time claims. A token must expire: by its `exp`, or, without one, at `iat` plus the
 * lifetime cap (a token without `exp` is valid by RFC 7519, and jsonwebtoken's
 * `sign(payload, secret)` makes one with `iat` only; the cap then says when it ends, as
 * `maxAge` does in verifiers that offer it). A token with neither would never expire: 401.
 * `iat`, when present, must not be in the future. The lifetime cap bounds how long the
 * token can still be used: `exp - iat` when both are given, else `exp - now` (a token
 * without `iat`, as many clients make them, "exp one hour from now", can then never be
 * used longer than the cap either). `nbf` is honoured when present.
 * Returns when the token expires (seconds): of these rules, only "before that" can stop
 * holding once a token passed.
 */
function checkTimes(claims: Record<string, unknown>, maxLifetimeS: number, now: number): number {
  const nowSeconds = now / 1000;
  const iat = numericDate(claims, 'iat');
  const claimedExp = numericDate(claims, 'exp');
  if (claimedExp === undefined && iat === undefined) {
    throw new AuthenticationError('token has neither exp nor iat claim: it would never expire');
  }
  if (iat !== undefined && iat > nowSeconds + CLOCK_SKEW_S)
    throw new AuthenticationError('token is issued in the future');
  const exp = claimedExp ?? (iat as number) + maxLifetimeS;
  if (nowSeconds >= exp) {
    throw new AuthenticationError(
      claimedExp !== undefined
        ? 'token has expired'
        : `token has expired (no exp: issued more than ${maxLifetimeS} s ago)`,
    );
  }
  const lifetime = iat !== undefined ? exp - iat : exp - nowSeconds - CLOCK_SKEW_S;
  if (lifetime > maxLifetimeS) {
    throw new AuthenticationError(
      iat !== undefined
        ? `token lifetime exceeds the ${maxLifetimeS} s allowed`
        : `token lifetime exceeds the ${maxLifetimeS} s allowed (no iat: exp is too far ahead)`,
    );
  }
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nowSeconds < nbf)
    throw new AuthenticationError('token is not valid yet');
  return exp;
}

/** `iss` and `aud`, when the policy names them (RFC 7519 4.1.1, 4.1.3). */
function checkIssuerAndAudience(claims: Record<string, unknown>, policy: TokenPolicy): void {
  if (policy.issuer !== undefined && claims.iss !== policy.issuer) {
    throw new AuthenticationError('token issuer is not accepted');
  }
  if (policy.audience !== undefined) {
    const aud = claims.aud;
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.includes(policy.audience)) {
      throw new AuthenticationError('token audience is not accepted');
    }
  }
}

/**
 * Verifies an HS256 bearer token and returns who it names. Throws AuthenticationError
 * (HTTP 401) when the token is missing, malformed, typed as another kind of JWT, badly
 * signed, without both `exp` and `iat`, longer-lived than the policy allows, not yet valid,
 * expired, from another issuer or audience (when the policy names them), or carries no
 * known role.
 */
export function verifyToken(token: string, policy: TokenPolicy, now: number = Date.now()): Viewer {
  return verifiedToken(token, policy, now).viewer;
}

/** A token verifyToken accepted: who it names, and its `exp` (seconds), the one time rule that can turn. */
export interface VerifiedToken {
  viewer: Viewer;
  expiresAtS: number;
}

/** verifyToken, with the token's `exp` beside its viewer (for TokenVerifier's kept tokens). */
export function verifiedToken(token: string, policy: TokenPolicy, now: number): VerifiedToken {
  const secret = policy.secret;
  const parts = token.split('.');
  if (parts.length !== 3) throw new AuthenticationError('malformed token: expected three segments');
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = decodeJsonSegment(headerPart, 'header');
  if (header.alg !== 'HS256') throw new AuthenticationError('token algorithm must be HS256');
  if (header.crit !== undefined)
    throw new AuthenticationError('token has unsupported critical headers');
  checkType(header.typ);
  if (!BASE64URL.test(signaturePart))
    throw new AuthenticationError('malformed token: bad signature encoding');
  const signature = Buffer.from(signaturePart, 'base64url');
  const expected = sign(secret, `${headerPart}.${payloadPart}`);
  if (signature.length !== SIGNATURE_BYTES || !timingSafeEqual(signature, expected)) {
    throw new AuthenticationError('token signature does not verify');
  }

  const claims = decodeJsonSegment(payloadPart, 'payload');
  const expiresAtS = checkTimes(claims, policy.maxLifetimeS, now);
  checkIssuerAndAudience(claims, policy);
  const subject = subjectOf(claims.sub);
  const roles = knownRoles(claims.roles);
  const vendorId = vendorIdOf(claims.vendorId);
  try {
    return { viewer: new Viewer(subject, roles, vendorId), expiresAtS };
  } catch {
    throw new AuthenticationError('a vendor token needs a vendorId claim');
  }
}

/** The token of an HTTP `Authorization` header value (`Bearer <token>`); throws when there is none. */
export function bearerTokenOf(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthenticationError('missing bearer token');
  }
  const match = BEARER.exec(authorization);
  if (match === null) throw new AuthenticationError('authorization header is not "Bearer <token>"');
  return match[1];
}

/** verifyToken for an HTTP `Authorization` header value (`Bearer <token>`). */
export function verifyBearerToken(
  authorization: string | undefined,
  policy: TokenPolicy,
  now: number = Date.now(),
): Viewer {
  return verifyToken(bearerTokenOf(authorization), policy, now);
}
