import { createApp } from './app.js';
import { createChannels, type ChannelOptions } from './channels/index.js';
import { createCluster, type ClusterOptions } from './cluster/index.js';
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
import { createEventHub, type HubOptions } from './events/hub.js';

/** How long the shop event log keeps events: a stream may resume from them. */
export const EVENT_RETENTION_MS = 7 * 24 * 3600_000;
/** How long a Try panel test person is kept after its last message (docs/scenarios.md). */
export const TEST_PERSON_RETENTION_MS = 7 * 24 * 3600_000;

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
  /** PostgreSQL: bot ownership and notification tuning (relay/cluster). */
  cluster?: ClusterOptions;
  /** Event streams: how often the log is polled, how often idle streams beat. */
  events?: HubOptions & { heartbeatMs?: number };
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
  cluster: clusterOptions,
  events: { heartbeatMs: streamHeartbeatMs, ...hubOptions } = {},
}: RelayOptions) {
  const stores = createStores(db);
  const outbound = createOutbound(config, outboundOptions);
  const deps: Deps = { db, config, stores, outbound, log };
  const metrics = createMetrics(stores);
  let pruning: NodeJS.Timeout | undefined;
  // The maintenance under way, awaited by stop() before the database may close.
  let pruned: Promise<unknown> = Promise.resolve();
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const prune = () =>
    (pruned = Promise.all([
      stores.eventLog
        .prune(ago(EVENT_RETENTION_MS))
        .catch((err) => console.error('event log:', err)),
      stores.subscribers
        .pruneTestPersons(ago(TEST_PERSON_RETENTION_MS))
        .catch((err) => console.error('test persons:', err)),
    ]));
  const { hooks, ...tuning } = workerOptions;
  // This process in `relay_instances`: its claims are signed with its id.
  const heartbeat = createHeartbeat(stores, heartbeatOptions);
  // PostgreSQL: relays share the bots and tell each other their changes. It connects bots
  // through the channels and waits for the worker's sends, both made below and used only once
  // the relay runs. Null on SQLite.
  const cluster = createCluster(
    {
      db,
      stores,
      instanceId: heartbeat.id,
      connector: {
        connect: (bot) => channels.connector.connect(bot),
        release: (bot) => channels.connector.release(bot),
        disconnect: (bot) => channels.connector.disconnect(bot),
      },
      idle: (botId) => worker.botIdle(botId),
    },
    // A relay is alive to the bots' owners as long as to the deliveries' (the same heartbeat).
    { staleMs: heartbeatOptions?.staleMs, ...clusterOptions },
  );
  const channels = createChannels(deps, {
    ...channelOptions,
    ownership: cluster?.ownership,
    sendTimeoutMs: tuning.sendTimeoutMs,
  });
  const events = createEventHub(stores.eventLog, hubOptions);
  const app = createApp({
    db,
    config,
    stores,
    metrics,
    channels,
    outbound,
    log,
    events,
    streamHeartbeatMs,
  });
  const worker = createWorker({
    store: stores.deliveries,
    instanceId: heartbeat.id,
    adapters: [...createAdapters(deps), ...channels.adapters],
    hooks: chain(deliveryHooks(deps), { onAttempt: metrics.onAttempt }, hooks ?? {}),
    // Several relays: only the bots this one owns, so that one relay paces each bot.
    scope: cluster ? () => cluster.ownership.scope() : undefined,
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
    cluster,
    events,
    /**
     * Starts the heartbeat (which requeues at once what dead relays left `sending`), then
     * delivering, ends due delay steps and connects the bots (with several relays: takes this
     * relay's share of them).
     */
    async start() {
      await heartbeat.start();
      worker.start();
      scheduler.start();
      await cluster?.start();
      await channels.startAll();
      void prune();
      pruning = setInterval(prune, 3600_000);
      pruning.unref();
    },
    /**
     * Disconnects polling bots and lets sends in flight finish and be recorded; then (several
     * relays) marks this relay stopped and gives its bots up, for the others to take at once.
     */
    async stop() {
      clearInterval(pruning);
      await pruned;
      await events.close();
      await channels.stopAll();
      await scheduler.stop();
      await worker.stop();
      await heartbeat.stop();
      await cluster?.stop();
      outbound.close();
    },
  };
}
export type RelayParts = ReturnType<typeof createRelay>;
