export * from './error-report';
export * from './errors';
export * from './models';
export * from './policies';
export * from './resources';
export * from './shadows';
export * from './telemetry';
export * from './topics';
