import type { Response } from 'express';

/**
 * What every response behind a bearer token starts with: it may hold what only that token
 * may see, so no shared cache may keep it (RFC 9111 section 5.2.2.7), and by default no
 * cache at all. A route may relax `no-store` (immutable tiles) but keeps `private`.
 */
export const PRIVATE_NO_STORE = 'private, no-store';

export function keepPrivate(res: Response): void {
  res.setHeader('Cache-Control', PRIVATE_NO_STORE);
}
