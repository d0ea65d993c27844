import pino, { type Logger } from 'pino';
import { safeErrorFields } from './log-safe-error';
import { logLevelSetting, settingOrExit } from './settings';

/**
 * Structured JSON logs. Never pass patient identifiers: only pseudonyms and ids. Errors
 * logged as `err` keep their kind, code and message only (log-safe-error.ts).
 */
export function createLogger(
  name: string,
  level = settingOrExit(() => logLevelSetting(process.env)),
  destination?: pino.DestinationStream,
): Logger {
  const options = {
    name,
    level,
    base: { service: name },
    serializers: { err: safeErrorFields, error: safeErrorFields },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
export type { Logger };
