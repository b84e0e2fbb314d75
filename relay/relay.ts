import { createApp } from './app.js';
import { createChannels, type ChannelOptions } from './channels/index.js';
import { deliveryHooks } from './channels/delivery-hooks.js';
import type { Config } from './config.js';
import type { Db } from './db/open.js';
import { createAdapters } from './delivery/adapters/index.js';
import { createWorker, type WorkerHooks, type WorkerOptions } from './delivery/worker.js';
import { createStores, type Deps } from './deps.js';
import { createHeartbeat, type HeartbeatOptions } from './instances/heartbeat.js';
import { createScenarioScheduler, type SchedulerOptions } from './scenario/runtime/scheduler.js';
import { createMetrics } from './service/metrics.js';
import { createOutbound, type OutboundOptions } from './http/outbound.js';

export type RelayOptions = {
  db: Db;
  config: Config;
  /** Worker tuning (tests shorten timeouts); adapters come from relay/delivery/adapters. */
  worker?: Omit<WorkerOptions, 'store' | 'adapters' | 'instanceId'>;
  /** Heartbeat tuning (relay/instances/heartbeat.ts). */
  heartbeat?: HeartbeatOptions;
  /** Messenger connections (tests shorten the long-poll timeout). */
  channels?: ChannelOptions;
  /** The delay steps' scheduler (tests shorten its sleep). */
  scheduler?: SchedulerOptions;
  /** Operator log lines (refused public requests); stderr when absent. */
  log?: Deps['log'];
  /** Outbound HTTP tuning: tests pass a resolver that answers as they need. */
  outbound?: OutboundOptions;
};

/** Every hook of each set, in order (the relay's own and a caller's). */
const chain = (...sets: WorkerHooks[]): WorkerHooks => ({
  onRecipientGone: async (d) => {
    for (const s of sets) await s.onRecipientGone?.(d);
  },
  onChatMigrated: async (d, chatId) => {
    for (const s of sets) await s.onChatMigrated?.(d, chatId);
  },
  onAttempt: (d, result, ms) => {
    for (const s of sets) s.onAttempt?.(d, result, ms);
  },
});

/**
 * The relay process's parts: the HTTP app, the delivery worker and the messenger
 * connections over one set of stores. relay/server.ts starts it for real;
 * test/helpers/relay.ts starts it on a loopback port.
 */
export function createRelay({
  db,
  config,
  worker: workerOptions = {},
  channels: channelOptions,
  scheduler: schedulerOptions,
  log,
  outbound: outboundOptions,
  heartbeat: heartbeatOptions,
}: RelayOptions) {
  const stores = createStores(db);
  const outbound = createOutbound(config, outboundOptions);
  const deps: Deps = { db, config, stores, outbound, log };
  const metrics = createMetrics(stores);
  const { hooks, ...tuning } = workerOptions;
  const channels = createChannels(deps, {
    ...channelOptions,
    sendTimeoutMs: tuning.sendTimeoutMs,
  });
  const app = createApp({ db, config, stores, metrics, channels, outbound, log });
  // This process in `relay_instances`: its claims are signed with its id.
  const heartbeat = createHeartbeat(stores, heartbeatOptions);
  const worker = createWorker({
    store: stores.deliveries,
    instanceId: heartbeat.id,
    adapters: [...createAdapters(deps), ...channels.adapters],
    hooks: chain(deliveryHooks(deps), { onAttempt: metrics.onAttempt }, hooks ?? {}),
    ...tuning,
  });
  const scheduler = createScenarioScheduler(db, stores.scenarioRuntime, schedulerOptions);
  // Called after the enqueuing transaction committed (tx.afterCommit): the rows are visible.
  stores.deliveries.onEnqueued(() => worker.nudge());

  return {
    app,
    worker,
    deps,
    stores,
    metrics,
    channels,
    scheduler,
    heartbeat,
    /**
     * Starts the heartbeat (which requeues at once what dead relays left `sending`), then
     * delivering, ends due delay steps and connects the bots.
     */
    async start() {
      await heartbeat.start();
      worker.start();
      scheduler.start();
      await channels.startAll();
    },
    /** Disconnects polling bots and lets sends in flight finish and be recorded. */
    async stop() {
      await channels.stopAll();
      await scheduler.stop();
      await worker.stop();
      await heartbeat.stop();
      outbound.close();
    },
  };
}
export type RelayParts = ReturnType<typeof createRelay>;
