import { now, type Db } from '../db/open.js';

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

/**
 * The relay processes sharing this database and their heartbeats: a process is alive while
 * its heartbeat is fresh, and only then. relay/instances/heartbeat.ts keeps this process's row.
 */
export function createInstanceStore(db: Db) {
  const q = {
    register: db.prepare<NewInstance & { now: string }>(
      `INSERT INTO relay_instances (id, host, host_key, pid, started_at, heartbeat_at)
       VALUES (@id, @host, @host_key, @pid, @now, @now)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = @now, stopped_at = NULL`,
    ),
    beat: db.prepare<{ id: string; now: string }>(
      `UPDATE relay_instances SET heartbeat_at = @now WHERE id = @id AND stopped_at IS NULL`,
    ),
    stop: db.prepare<{ id: string; now: string }>(
      `UPDATE relay_instances SET stopped_at = @now WHERE id = @id`,
    ),
    all: db.prepare<[], Instance>(`SELECT * FROM relay_instances ORDER BY started_at, id`),
    prune: db.prepare<{ self: string; stale: string; dead: string }>(
      `DELETE FROM relay_instances WHERE id <> @self AND (stopped_at IS NOT NULL
         OR heartbeat_at < @stale OR id IN (SELECT value FROM json_each(@dead)))`,
    ),
  };

  return {
    async register(instance: NewInstance): Promise<void> {
      q.register.run({ ...instance, now: now() });
    },

    /** False when the row is gone: another relay took this one for dead and removed it. */
    async beat(id: string): Promise<boolean> {
      return q.beat.run({ id, now: now() }).changes === 1;
    },

    /** A clean shutdown: the rows it still claims may be requeued at once. */
    async stop(id: string): Promise<void> {
      q.stop.run({ id, now: now() });
    },

    async list(): Promise<Instance[]> {
      return q.all.all();
    },

    /** Forgets stopped instances, stale ones and those known `dead`; never `self`. */
    async prune(self: string, staleBefore: string, dead: string[]): Promise<void> {
      q.prune.run({ self, stale: staleBefore, dead: JSON.stringify(dead) });
    },
  };
}
export type InstanceStore = ReturnType<typeof createInstanceStore>;
