import type { Logger } from 'pino';

/**
 * How long the shutdown steps may take: a step that waits on a server that is gone (a
 * Kafka consumer leaving a broker that died, a pool draining into a dead database) would
 * otherwise hold the process until a supervisor kills it without a word. Under the 30 s
 * that Kubernetes and systemd give before their SIGKILL, so the log says why.
 */
export const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * Runs the given steps once, in order, on SIGTERM or SIGINT, then exits. A second signal
 * exits at once (an operator pressing Ctrl-C twice means it), and so does a shutdown that
 * outlasts deadlineMs (exit code 1, with a log line saying so).
 */
export function onShutdown(
  logger: Logger,
  steps: (() => Promise<void>)[],
  deadlineMs: number = SHUTDOWN_DEADLINE_MS,
): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown did not finish in time: exiting now');
      process.exit(1);
    }, deadlineMs).unref();
    void (async () => {
      let code = 0;
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          code = 1;
          logger.error({ err: error }, 'shutdown step failed');
        }
      }
      process.exit(code);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by `npm start` with an IPC channel: when the launcher goes, so do we.
  if (process.send) {
    process.on('disconnect', () => {
      if (!stopping) stop('launcher gone');
    });
  }
}
