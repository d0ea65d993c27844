import type { TokenPolicy } from '@scantrail/access';
import type { Settings } from '@scantrail/config';

/** The bearer token rules of the settings (secret, lifetime cap, issuer and audience). */
export function tokenPolicyOf(settings: Settings): TokenPolicy {
  return {
    secret: settings.authJwtSecret,
    maxLifetimeS: settings.authToken.maxLifetimeS,
    issuer: settings.authToken.issuer,
    audience: settings.authToken.audience,
  };
}
