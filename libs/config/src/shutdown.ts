import type { Logger } from 'pino';

/**
 * Runs the given steps once, in order, on SIGTERM or SIGINT, then exits. A second signal
 * exits at once (an operator pressing Ctrl-C twice means it).
 */
export function onShutdown(logger: Logger, steps: (() => Promise<void>)[]): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
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
