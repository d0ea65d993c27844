/**
 * `task`, run at most once at a time: a call made while it runs gets the running call's
 * promise (its result or its error) instead of starting another. For the public /health and
 * /metrics, which ask PostgreSQL and Kafka: Node starts every request pipelined on a
 * connection at once, so 2,000 of them made 2,000 checks at once, starving the pool that
 * answers GraphQL, timing out the Kafka check (/health said 503) and, on the ingest, the
 * ledger writer's pool. An answer is never older than the request: the call it shares
 * started while the request waited. Nothing is kept once the call settles.
 */
export function sharedWhileRunning<T>(task: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= task().finally(() => {
      running = undefined;
    });
    return running;
  };
}
