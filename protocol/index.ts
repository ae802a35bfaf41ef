export * from './errors';
export * from './policies';
export * from './shadows';
export * from './telemetry';
export * from './topics';
