/** An argument the caller must change (GraphQL `BAD_USER_INPUT`); the message says how. */
export class InvalidArgumentError extends Error {
  override readonly name = 'InvalidArgumentError';
}

/** Something named by the caller does not exist (GraphQL `NOT_FOUND`). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
