/**
 * Device shadows on the local IoT Core: MQTT reserved topics plus the `iotdata`
 * HTTP data plane, persisted under the data dir.
 */
import type { FsyncPolicy } from '../../common/fsync-policy';
import type { Logger } from '../../common/logger';
import type { GatewayService } from '../ports';
import { createIotDataService } from './iotdata-service';
import { type ShadowBus, ShadowService, type ShadowServiceLimits } from './shadow-service';
import { ShadowStore } from './shadow-store';

export { createIotDataService, type IotDataServiceOptions } from './iotdata-service';
export { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './request-limits';
export {
  applyUpdate,
  DEFAULT_SHADOW_LIMITS,
  getDocument,
  MAX_DOCUMENT_BYTES_CEILING,
  type ShadowLimits,
  type StoredShadow,
  type UpdateOutcome,
} from './shadow-document';
export {
  type ListNamedShadowsResult,
  resolveLimits,
  SHADOW_NAME_RE,
  type ShadowBus,
  type ShadowCaller,
  type ShadowOpResult,
  ShadowService,
  type ShadowServiceLimits,
} from './shadow-service';
export { DEFAULT_SHADOW_FSYNC, ShadowStore } from './shadow-store';

/** Options of {@link createShadowService}. */
export interface CreateShadowServiceOptions {
  /** the broker (its `hasSubscribers` lets responses nobody receives be skipped) */
  bus: ShadowBus;
  /** the stack's data dir; shadows live in `{dataDir}/shadows/` */
  dataDir: string;
  logger: Logger;
  limits?: Partial<ShadowServiceLimits>;
  /** when an update is acknowledged: after write(2) + fsync within a second (default) or after fsync (`always`) */
  fsync?: FsyncPolicy;
  /** clock in epoch ms (tests) */
  now?: () => number;
}

/** What {@link createShadowService} returns: the service, its gateway face and its store. */
export interface ShadowServiceHandle {
  service: ShadowService;
  /** register on the gateway: `gateway.addService(handle.iotdata)` */
  iotdata: GatewayService;
  store: ShadowStore;
  /** stops answering MQTT requests, flushes and closes the store */
  close(): Promise<void>;
}

/**
 * Opens the store, starts answering `$aws/things/+/shadow/#` on the bus and
 * builds the `iotdata` gateway service.
 *
 * @example
 * const shadows = createShadowService({ bus: broker, dataDir, logger });
 * gateway.addService(shadows.iotdata);
 * // ...
 * await shadows.close();
 */
export function createShadowService(opts: CreateShadowServiceOptions): ShadowServiceHandle {
  const store = ShadowStore.open(opts.dataDir, opts.fsync ? { fsync: opts.fsync } : {});
  const svcOpts: ConstructorParameters<typeof ShadowService>[0] = { bus: opts.bus, store, logger: opts.logger };
  if (opts.limits) svcOpts.limits = opts.limits;
  if (opts.now) svcOpts.now = opts.now;
  const service = new ShadowService(svcOpts);
  service.start();
  const iotdata = createIotDataService({ shadows: service, bus: opts.bus, logger: opts.logger });
  let closed = false;
  return {
    service,
    iotdata,
    store,
    async close() {
      if (closed) return;
      closed = true;
      service.stop();
      await store.flush();
      store.close();
    },
  };
}
