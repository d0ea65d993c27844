export * from './settings';
export * from './logger';
export * from './log-safe-error';
export * from './shutdown';
export * from './bridge-settings';
export * from './connection-limits';
export * from './heap-tuning';
export * from './kafka-security';
