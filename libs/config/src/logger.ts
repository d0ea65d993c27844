import pino, { type Logger } from 'pino';

/** Structured JSON logs. Never pass patient identifiers: only pseudonyms and ids. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { service: name } });
}
export type { Logger };
