import { now, type Db } from '../db/open.js';
import { pgAfterMs } from '../db/dialect.js';
import { sql } from '../db/sql.js';

/** A relay process that uses (or used) this database. */
export type Instance = {
  id: string;
  /** The machine's name, for people reading the table. */
  host: string;
  /** The kernel boot and PID namespace the process ran in; null where unknown. */
  host_key: string | null;
  pid: number;
  started_at: string;
  heartbeat_at: string;
  stopped_at: string | null;
};

export type NewInstance = Pick<Instance, 'id' | 'host' | 'host_key' | 'pid'>;

// On PostgreSQL, relays on several machines compare heartbeats: they are written and judged
// by the database's clock (`now()`); `@now` and `@stale` are SQLite's (one machine).
const q = {
  register: sql<NewInstance & { now: string }, never>({
    sqlite: `INSERT INTO relay_instances (id, host, host_key, pid, started_at, heartbeat_at)
             VALUES (@id, @host, @host_key, @pid, @now, @now)
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = @now, stopped_at = NULL`,
    postgres: `INSERT INTO relay_instances (id, host, host_key, pid, started_at, heartbeat_at)
               VALUES (@id, @host, @host_key, @pid, now(), now())
               ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL`,
  }),
  beat: sql<{ id: string; now: string }, never>({
    sqlite: `UPDATE relay_instances SET heartbeat_at = @now WHERE id = @id AND stopped_at IS NULL`,
    postgres: `UPDATE relay_instances SET heartbeat_at = now() WHERE id = @id AND stopped_at IS NULL`,
  }),
  stop: sql<{ id: string; now: string }, never>({
    sqlite: `UPDATE relay_instances SET stopped_at = @now WHERE id = @id`,
    postgres: `UPDATE relay_instances SET stopped_at = now() WHERE id = @id`,
  }),
  all: sql<undefined, Instance>(`SELECT * FROM relay_instances ORDER BY started_at, id`),
  // Instance ids are text: the list is a JSON array of strings.
  prune: sql<{ self: string; stale: string; stale_ms: number; dead: string }, never>({
    sqlite: `DELETE FROM relay_instances WHERE id <> @self AND (stopped_at IS NOT NULL
               OR heartbeat_at < @stale OR id IN (SELECT value FROM json_each(@dead)))`,
    postgres: `DELETE FROM relay_instances WHERE id <> @self AND (stopped_at IS NOT NULL
                 OR heartbeat_at < ${pgAfterMs('-@stale_ms')}
                 OR id IN (SELECT value FROM jsonb_array_elements_text(@dead::jsonb) AS j(value)))`,
  }),
};

/** When a heartbeat counts as stale: SQLite's instant, and PostgreSQL's age. */
export type Staleness = { before: string; ms: number };

/**
 * The relay processes sharing this database and their heartbeats: a process is alive while
 * its heartbeat is fresh, and only then. relay/instances/heartbeat.ts keeps this process's row.
 */
export function createInstanceStore(db: Db) {
  return {
    async register(instance: NewInstance): Promise<void> {
      await db.run(q.register, { ...instance, now: now() });
    },

    /** False when the row is gone: another relay took this one for dead and removed it. */
    async beat(id: string): Promise<boolean> {
      return (await db.run(q.beat, { id, now: now() })).changes === 1;
    },

    /** A clean shutdown: the rows it still claims may be requeued at once. */
    async stop(id: string): Promise<void> {
      await db.run(q.stop, { id, now: now() });
    },

    async list(): Promise<Instance[]> {
      return db.all(q.all);
    },

    /** Forgets stopped instances, stale ones and those known `dead`; never `self`. */
    async prune(self: string, stale: Staleness, dead: string[]): Promise<void> {
      await db.run(q.prune, {
        self,
        stale: stale.before,
        stale_ms: stale.ms,
        dead: JSON.stringify(dead),
      });
    },
  };
}
export type InstanceStore = ReturnType<typeof createInstanceStore>;
