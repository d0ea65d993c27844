export * from './settings';
export * from './logger';
export * from './shutdown';
export * from './kafka-brokers';
