export interface RetryDelayOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY_DELAY: RetryDelayOptions = { initialMs: 250, maxMs: 30_000 };

/**
 * Exponential backoff with +-20 % jitter, so that several consumers that failed together
 * (e.g. PostgreSQL went away) do not all retry in the same instant.
 * `attempt` counts failures in a row, from 0.
 */
export function retryDelayMs(
  attempt: number,
  options: RetryDelayOptions = DEFAULT_RETRY_DELAY,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30); // 2^30 already exceeds any cap
  const base = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(options.maxMs, jittered));
}
