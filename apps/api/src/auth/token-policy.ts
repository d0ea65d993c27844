import { TokenVerifier, type TokenPolicy } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import { SETTINGS } from '../api-tokens';

/** The bearer token rules of the settings (secret, lifetime cap, issuer and audience). */
export function tokenPolicyOf(settings: Settings): TokenPolicy {
  return {
    secret: settings.authJwtSecret,
    maxLifetimeS: settings.authToken.maxLifetimeS,
    issuer: settings.authToken.issuer,
    audience: settings.authToken.audience,
  };
}

/**
 * The API's one TokenVerifier (for ApiCoreModule): the request gate and the modules' own
 * bearer middlewares share the tokens it accepted.
 */
export const tokenVerifierProvider = {
  provide: TokenVerifier,
  inject: [SETTINGS],
  useFactory: (settings: Settings): TokenVerifier => new TokenVerifier(tokenPolicyOf(settings)),
};
