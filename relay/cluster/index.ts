import type { Database } from '../db/sql.js';
import type { PostgresDatabase } from '../db/postgres.js';
import type { Stores } from '../deps.js';
import { purgeCounters } from '../http/shared-counters.js';
import { createBroadcast } from './broadcast.js';
import { createOwnership, type Connector, type OwnershipOptions } from './ownership.js';
import { createSession } from './session.js';

export type ClusterOptions = OwnershipOptions & {
  /** How long changes are gathered into one notification. */
  debounceMs?: number;
};

/** Ended rate-limit windows are deleted this often (relay/http/shared-counters.ts). */
const PURGE_MS = 60_000;

/**
 * What several relays on one PostgreSQL database share beyond the tables: a session per
 * relay (relay/cluster/session.ts) that LISTENs for the others' changes and holds the locks
 * of the bots the relay owns (ownership.ts); the change feed told to the other relays
 * (broadcast.ts), so that a key revoked through one is refused by all within moments; and
 * housekeeping of the shared rate-limit counters. Null on SQLite: one relay does everything.
 */
export function createCluster(
  deps: {
    db: Database;
    stores: Pick<Stores, 'changes'>;
    instanceId: string;
    connector: Connector;
    idle: (botId: number) => Promise<void>;
  },
  { debounceMs, ...ownershipOptions }: ClusterOptions = {},
) {
  if (deps.db.engine !== 'postgres') return null;
  const db = deps.db as PostgresDatabase;
  const { stores, instanceId } = deps;
  let started = false;
  let purge: NodeJS.Timeout | undefined;

  const broadcast = createBroadcast(db, stores.changes, instanceId, {
    debounceMs,
    onMessage: (m) => void ownership.heard(m),
  });
  const session = createSession(db, instanceId, {
    onNotify: (payload) => broadcast.receive(payload),
    onConnect() {
      if (!started) return;
      // Notifications sent while the session was away are lost: forget every cache, and
      // take this relay's bots again (the old session's locks went with it).
      stores.changes.emit({ all: true }, 'remote');
      ownership.reconnected();
    },
    onLost: () => ownership.lost(),
  });
  const ownership = createOwnership(
    { db, instanceId, session, say: broadcast.say, connector: deps.connector, idle: deps.idle },
    ownershipOptions,
  );
  stores.changes.on((change) => {
    if ('bot' in change) void ownership.botChanged(change.bot);
    else if ('all' in change) void ownership.botChanged(null);
  });

  return {
    ownership,
    /** Connects the session, takes this relay's share of the bots, tells the others. */
    async start() {
      await session.start();
      started = true;
      await ownership.start();
      broadcast.say({ joined: true });
      purge = setInterval(() => {
        purgeCounters(db).catch((err) => console.error('rate counters:', err.message));
      }, PURGE_MS);
      purge.unref();
    },
    /** Stops polling this relay's bots (relay stop, before the worker's last sends). */
    disconnect: () => ownership.disconnectAll(),
    /** Gives every bot up and ends the session; the others take over at once. */
    async stop() {
      clearInterval(purge);
      await ownership.releaseAll();
      await session.close();
      broadcast.say({ left: true });
      await broadcast.close();
    },
  };
}
export type Cluster = NonNullable<ReturnType<typeof createCluster>>;
