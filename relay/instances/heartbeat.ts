import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { DeliveryStore } from '../delivery/store.js';
import type { Instance, InstanceStore } from './store.js';

/** How often a relay writes its heartbeat and looks for dead relays' deliveries. */
export const HEARTBEAT_MS = 2_000;
/**
 * A heartbeat older than this means the process is gone (five missed beats: a busy event
 * loop is late by a second or two, not by ten). On PostgreSQL heartbeats are written and
 * judged by the database's clock, so relays on several machines need not agree on the time.
 */
export const STALE_MS = 10_000;

export type HeartbeatOptions = { intervalMs?: number; staleMs?: number };

/**
 * This process's liveness in the database, and the recovery of what dead processes left:
 * every beat, deliveries claimed by a relay whose heartbeat is stale, that shut down, or
 * that is provably gone are put back in the queue at once, rather than after their lease.
 * A relay's liveness is only ever its heartbeat row (or, on the same kernel and PID
 * namespace, its missing PID), never "I have just started": with several relays on one
 * database, a starting relay must not take over a live one's sends.
 */
export function createHeartbeat(
  { instances, deliveries }: { instances: InstanceStore; deliveries: DeliveryStore },
  { intervalMs = HEARTBEAT_MS, staleMs = STALE_MS }: HeartbeatOptions = {},
) {
  const me = {
    id: randomBytes(8).toString('hex'),
    host: hostname(),
    host_key: HOST_KEY,
    pid: process.pid,
  };
  let timer: NodeJS.Timeout | undefined;

  /** Requeues the deliveries of dead relays and forgets those relays; returns the count. */
  async function sweep(): Promise<number> {
    // SQLite judges by this machine's clock; PostgreSQL by its own (the age, `ms`).
    const stale = { before: new Date(Date.now() - staleMs).toISOString(), ms: staleMs };
    const gone = (await instances.list())
      .filter((i) => i.id !== me.id && i.stopped_at === null && provablyGone(i))
      .map((i) => i.id);
    const requeued = await deliveries.requeueOrphans(stale, gone);
    await instances.prune(me.id, stale, gone);
    return requeued;
  }

  async function beat() {
    if (!(await instances.beat(me.id))) {
      // Late enough to be taken for dead: what this process had in flight was requeued and
      // may be sent twice (delivery is at-least-once). Carry on as alive.
      console.warn(`relay ${me.id}: heartbeat was late; deliveries in flight were requeued`);
      await instances.register(me);
    }
    await sweep();
  }

  return {
    id: me.id,
    /** Registers this process, then requeues what dead relays left, now and every beat. */
    async start() {
      local.add(me.id);
      await instances.register(me);
      await sweep();
      timer = setInterval(() => {
        beat().catch((err) => console.error('relay heartbeat:', err));
      }, intervalMs);
      timer.unref();
    },
    /** A clean shutdown, after the worker has recorded its sends. */
    async stop() {
      clearInterval(timer);
      await instances.stop(me.id);
      local.delete(me.id);
    },
    sweep,
  };
}
export type Heartbeat = ReturnType<typeof createHeartbeat>;

/** Relays running in this process (tests start several), which a PID cannot tell apart. */
const local = new Set<string>();

/**
 * The kernel boot and PID namespace this process runs in (Linux): two processes with the
 * same key see the same PIDs, so a PID that no longer exists is a process that is gone.
 * Null elsewhere: then only heartbeats tell.
 */
const HOST_KEY = (() => {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return null;
  }
})();

/** True only when `i` certainly no longer runs: same kernel and PID namespace, PID gone. */
function provablyGone(i: Instance): boolean {
  if (HOST_KEY === null || i.host_key !== HOST_KEY) return false;
  // Our own PID: an earlier process that had it (PID 1 in a container), or a sibling relay.
  if (i.pid === process.pid) return !local.has(i.id);
  try {
    process.kill(i.pid, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
