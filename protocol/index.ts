export * from './errors';
export * from './shadows';
export * from './telemetry';
export * from './topics';
