import { mintToken, type Role } from '@scantrail/access';

/**
 * A test file's token maker: `token(roles, vendorId?)` signs with `secret` for `ttlSeconds`,
 * its subject `<prefix>-<roles joined by ->` (what the access log names as the actor).
 */
export function roleTokens(
  secret: Buffer,
  prefix: string,
  ttlSeconds = 600,
): (roles: Role[], vendorId?: string) => string {
  return (roles, vendorId) =>
    mintToken({
      secret,
      sub: `${prefix}-${roles.join('-')}`,
      roles,
      ttlSeconds,
      ...(vendorId ? { vendorId } : {}),
    });
}
