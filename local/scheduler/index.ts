/** The local EventBridge Scheduler stand-in (scheduler.ts). */
export { fillContextAttributes, LocalScheduler, type LocalSchedulerOptions, type ScheduledInvokeRequest } from './scheduler';
