/** The request carries no usable credentials: answered with HTTP 401 before GraphQL runs. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/**
 * The viewer may not read what it asked for. The message names the operation or the
 * argument, never data the viewer could not already see.
 */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
}
