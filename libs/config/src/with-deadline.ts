/**
 * `promise`, or `error()` if it has not settled `ms` after the call. When the deadline's
 * timer fires, the I/O already received is read first (one turn to the poll phase, by
 * setImmediate): Node runs due timers before reading sockets, so on a busy event loop (the
 * API dispatching 2,000 pipelined requests on two loaded cores) a reply that came within
 * the deadline would otherwise lose to its timer, and /health would say PostgreSQL did not
 * answer when Node had not looked (session 38: two fresh-ci runs of five).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (!settled) {
          settled = true;
          reject(error());
        }
      });
    }, ms);
    promise.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (reason: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(reason);
      },
    );
  });
}
