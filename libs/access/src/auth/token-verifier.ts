import { LRUCache } from 'lru-cache';
import { bearerTokenOf, verifiedToken, type TokenPolicy, type VerifiedToken } from './bearer-token';
import type { Viewer } from './viewer';

/** Accepted tokens kept by default: one per client active at once is plenty. */
export const KEPT_TOKENS = 1_000;

/**
 * verifyBearerToken for a process whose policy does not change, keeping the tokens it
 * accepted: a client sends the same token on every request for hours, so the HMAC, the two
 * JSON parses and the claim checks run once per token instead of once per request (about a
 * tenth of a trivial request's CPU). A kept token answers only its own exact string, and
 * only before its `exp`: the other rules cannot stop holding once a token passed (`nbf` and
 * `iat` only get further behind, signature, lifetime, issuer, audience and roles do not
 * move). At `exp` it is verified afresh, which refuses it as expired. A refused token is
 * never kept: each try pays the whole verification. At most `max` tokens are kept, the
 * least recently used leaving first.
 */
export class TokenVerifier {
  private readonly accepted: LRUCache<string, VerifiedToken>;

  constructor(
    private readonly policy: TokenPolicy,
    max: number = KEPT_TOKENS,
  ) {
    this.accepted = new LRUCache({ max });
  }

  /** The viewer of an `Authorization` header value; throws AuthenticationError as verifyBearerToken. */
  verifyBearer(authorization: string | undefined, now: number = Date.now()): Viewer {
    const token = bearerTokenOf(authorization);
    const kept = this.accepted.get(token);
    if (kept !== undefined && now / 1000 < kept.expiresAtS) return kept.viewer;
    if (kept !== undefined) this.accepted.delete(token);
    const verified = verifiedToken(token, this.policy, now);
    this.accepted.set(token, verified);
    return verified.viewer;
  }
}
