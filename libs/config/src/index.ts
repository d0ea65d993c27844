export * from './settings';
export * from './logger';
export * from './log-safe-error';
export * from './shutdown';
export * from './kafka-brokers';
export * from './bridge-settings';
