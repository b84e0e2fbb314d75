import type { BotRef } from '../bots/lifecycle.js';
import type { BotStatusValue, BotType } from '../bots/schemas.js';
import { pgAfterMs } from '../db/dialect.js';
import { sql, type Database } from '../db/sql.js';
import type { ClaimScope } from '../delivery/store.js';
import type { Message } from './broadcast.js';
import { ownerOf } from './rendezvous.js';
import { sessionName, type Session } from './session.js';

/**
 * Messenger bot types whose bots are owned: one relay at a time connects each (Telegram
 * webhook or long polling) and sends its messages, so the messenger's limits per bot hold
 * over the whole cluster (WhatsApp: its per-number and per-person pacing). Viber and VK join
 * this list when they get adapters.
 */
export const OWNED_TYPES = ['telegram', 'whatsapp'] as const satisfies readonly BotType[];

/** The advisory lock namespace (first key) of bot ownership; the second key is the bot's id. */
export const OWNER_LOCKS = 7406;

/**
 * A new owner sends nothing for a bot during this pause when other relays run: the previous
 * owner's sends of the last second still count in Telegram's windows (30 a second per bot, one
 * a second per chat). A group's 20 a minute may still answer one 429 after a handoff, which is
 * retried when Telegram says.
 */
export const HANDOFF_PAUSE_MS = 1_200;

/** How a relay connects a bot it owns (relay/channels/telegram/lifecycle.ts). */
export type Connector = {
  /** Connects or reconnects: registers the webhook (a fresh secret) or starts long polling. */
  connect(bot: BotRef): Promise<void>;
  /** Stops long polling; the webhook stays registered for the next owner. */
  release(bot: BotRef): Promise<void>;
  /** Disconnects for good (stopped, deleted): also removes the webhook and its secret. */
  disconnect(bot: BotRef): Promise<void>;
};

export type OwnershipOptions = {
  /** How often a relay looks at the relays and bots (and at once when told of a change). */
  tickMs?: number;
  /** A relay whose heartbeat is older than this is not alive (relay/instances/heartbeat.ts). */
  staleMs?: number;
  pauseMs?: number;
  /** How often the whole list of bots is read again (changes are told at once). */
  refreshMs?: number;
};

type BotRow = BotRef & { status: BotStatusValue };
type Held = { bot: BotRow; sendableAt: number; connected: boolean };

const ownedIn = OWNED_TYPES.map((t) => `'${t}'`).join(', ');
const q = {
  bots: sql<undefined, BotRow>(
    `SELECT id, shop_id, bot_type, status FROM bots WHERE bot_type IN (${ownedIn}) ORDER BY id`,
  ),
  bot: sql<[number], BotRow>(
    `SELECT id, shop_id, bot_type, status FROM bots WHERE id = ? AND bot_type IN (${ownedIn})`,
  ),
  // Alive: a fresh heartbeat (the database's clock), not stopped, and its session connected —
  // a relay that was killed loses its session (and its locks) at once, its heartbeat only later.
  live: sql<{ stale_ms: number; prefix: string }, { id: string }>(
    `SELECT i.id FROM relay_instances i
     WHERE i.stopped_at IS NULL AND i.heartbeat_at >= ${pgAfterMs('-@stale_ms')}
       AND EXISTS (SELECT 1 FROM pg_stat_activity a
                   WHERE a.datname = current_database() AND a.application_name = @prefix || i.id)
     ORDER BY i.id`,
  ),
};

export type OwnershipDeps = {
  db: Database;
  instanceId: string;
  session: Session;
  say: (m: Omit<Message, 'from'>) => void;
  connector: Connector;
  /** Resolves when no send of the bot is in flight (relay/delivery/worker.ts `botIdle`). */
  idle: (botId: number) => Promise<void>;
};

/**
 * PostgreSQL: which messenger bots this relay owns. Each bot is owned by one live relay at a
 * time, which holds a session advisory lock (OWNER_LOCKS, bot id) on its own connection
 * (relay/cluster/session.ts): only the owner polls `getUpdates` or registers the webhook, and
 * only it claims and paces the bot's deliveries (`scope`). Webhook updates and other
 * deliveries (webhooks, email) any relay handles.
 *
 * Which relay should own a bot is rendezvous hashing over the live relays, which every relay
 * computes alike; a relay takes the bots it should own once they are free, and gives up
 * gracefully those that should move to a relay that joined (stops polling, lets its sends in
 * flight finish, unlocks). When a relay dies its session ends, PostgreSQL frees its locks, and
 * the relays its bots now hash to take them within a tick. The lock, not the hash, is the
 * truth: two relays that briefly disagree about who is alive never both own a bot.
 */
export function createOwnership(
  { db, instanceId, session, say, connector, idle }: OwnershipDeps,
  {
    tickMs = 1_000,
    staleMs = 10_000,
    pauseMs = HANDOFF_PAUSE_MS,
    refreshMs = 15_000,
  }: OwnershipOptions = {},
) {
  const held = new Map<number, Held>();
  let bots = new Map<number, BotRow>();
  let loadedAt = 0;
  let live: string[] = [instanceId];
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  /** Counts lost sessions: locks taken on a session that broke meanwhile are not held. */
  let lostSessions = 0;

  const prefix = sessionName('');
  const log = (what: string, err: unknown) =>
    console.error(`relay ${instanceId}: ${what}: ${(err as Error)?.message ?? err}`);

  // Whatever connects, disconnects, takes or gives up bots runs one at a time, so that a bot
  // is never being connected here while it is being given up.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  async function connect(h: Held) {
    try {
      await connector.connect(h.bot);
      h.connected = true;
    } catch (err) {
      log(`connecting bot ${h.bot.id}`, err);
    }
    // The session broke while it connected: the bot is no longer this relay's.
    if (held.get(h.bot.id) !== h && h.connected) {
      h.connected = false;
      await connector.release(h.bot).catch((err) => log(`releasing bot ${h.bot.id}`, err));
    }
  }

  /**
   * Gives a bot up: out of the claim scope at once, polling stopped, sends in flight
   * finished, then the lock freed and the others told.
   */
  async function release(id: number) {
    const h = held.get(id);
    if (!h) return;
    held.delete(id);
    if (h.connected) await connector.release(h.bot).catch((err) => log(`releasing bot ${id}`, err));
    await idle(id);
    await session.query(`SELECT pg_advisory_unlock($1, $2)`, [OWNER_LOCKS, id]).catch(() => {});
    say({ released: [id] });
  }

  async function loadBots() {
    bots = new Map((await db.all(q.bots)).map((b) => [b.id, b]));
    loadedAt = Date.now();
  }

  async function loadBot(id: number) {
    const row = await db.get(q.bot, [id]);
    if (row) bots.set(id, row);
    else bots.delete(id);
    const h = held.get(id);
    if (h && row) h.bot = row;
    return row;
  }

  async function reconcileOnce() {
    if (stopped || !session.connected) return;
    const lost = lostSessions;
    if (Date.now() - loadedAt > refreshMs) await loadBots();
    live = (await db.all(q.live, { stale_ms: staleMs, prefix })).map((r) => r.id);
    if (!live.includes(instanceId)) live.push(instanceId);
    for (const [id, h] of held) {
      const bot = bots.get(id);
      if (!bot || ownerOf(live, id) !== instanceId) await release(id);
      else if (bot.status !== 'active' && h.connected) {
        h.connected = false;
        await connector.disconnect(bot).catch((err) => log(`disconnecting bot ${id}`, err));
      } else if (bot.status === 'active' && !h.connected) {
        // Held but not connected: the channels restarted (disconnectAll), or connecting
        // failed last time; try again.
        await connect(h);
      }
    }
    const wanted = [...bots.keys()].filter(
      (id) => !held.has(id) && ownerOf(live, id) === instanceId,
    );
    if (!wanted.length) {
      await session.query('SELECT 1'); // a session that broke says so here
      return;
    }
    const got = await session.query<{ id: number }>(
      `SELECT id FROM unnest($2::int[]) AS t(id) WHERE pg_try_advisory_lock($1, id)`,
      [OWNER_LOCKS, wanted],
    );
    if (lost !== lostSessions) return; // taken on the session that broke: not held
    const sendableAt = Date.now() + (live.length > 1 ? pauseMs : 0);
    const taken: Held[] = [];
    for (const { id } of got) {
      const bot = bots.get(id);
      if (!bot) continue;
      const h = { bot, sendableAt, connected: false };
      held.set(id, h);
      taken.push(h);
    }
    for (const h of taken)
      if (h.bot.status === 'active' && held.get(h.bot.id) === h) await connect(h);
  }

  /** A look, queued; every change told before it starts is covered by the same look. */
  let queued: Promise<void> | null = null;
  function reconcile(): Promise<void> {
    queued ??= serial(async () => {
      queued = null;
      try {
        await reconcileOnce();
      } catch (err) {
        log('bot ownership', err);
      }
    });
    return queued;
  }

  /**
   * Connects a bot again (created, new token, restarted) when this relay owns it, or takes it
   * when it should; `tell`: also asks its owner elsewhere to.
   */
  async function restart(id: number, tell = true) {
    if (tell) say({ restart: [id] });
    const mine = await serial(async () => {
      const bot = await loadBot(id).catch(() => undefined);
      const h = held.get(id);
      if (h && bot?.status === 'active') await connect(h);
      return h !== undefined;
    });
    if (!mine) await reconcile();
  }

  const tick = () => {
    if (stopped) return;
    timer = setTimeout(() => void reconcile().finally(tick), tickMs);
    timer.unref();
  };

  /** Stops looking; what is queued runs first. */
  const halt = async () => {
    stopped = true;
    clearTimeout(timer);
    await serial(async () => {});
  };

  return {
    /**
     * Starts looking: takes this relay's share of the bots and connects them. Again after
     * `disconnectAll` (the channels restarting); a no-op while already looking.
     */
    async start() {
      if (!stopped) return;
      stopped = false;
      await loadBots();
      await reconcile();
      tick();
    },

    /** A session that came back holds no locks: look again. */
    reconnected() {
      loadedAt = 0;
      void reconcile();
    },

    /**
     * The session broke: PostgreSQL freed every lock, so this relay owns nothing now; it
     * stops polling at once (not after what is queued).
     */
    lost() {
      lostSessions += 1;
      const was = [...held.values()];
      held.clear();
      for (const h of was)
        if (h.connected) {
          h.connected = false;
          void connector.release(h.bot).catch((err) => log('releasing', err));
        }
    },

    /** A bot's row changed (null: some bots were deleted with their shop). */
    async botChanged(id: number | null) {
      if (stopped) return;
      if (id === null) loadedAt = 0;
      else await loadBot(id).catch((err) => log(`reading bot ${id}`, err));
      await reconcile();
    },

    /** What another relay said (relay/cluster/broadcast.ts). */
    async heard(m: Message) {
      if (m.stop?.length)
        await serial(async () => {
          for (const id of m.stop ?? []) {
            const h = held.get(id);
            if (!h?.connected) continue;
            h.connected = false;
            await connector.release(h.bot).catch((err) => log(`stopping bot ${id}`, err));
          }
        });
      for (const id of m.restart ?? []) await restart(id, false);
      if (m.released?.length || m.joined || m.left || m.stop?.length) await reconcile();
    },

    restart,

    /**
     * Disconnects a bot for good (stopped, about to be deleted): the webhook goes (from here:
     * any relay may remove it), and its owner, told, stops polling it.
     */
    async stop(bot: BotRef) {
      say({ stop: [bot.id] });
      await serial(async () => {
        const h = held.get(bot.id);
        if (h) h.connected = false;
        await connector.disconnect(bot);
      });
    },

    /** Stops polling the bots it owns (relay stop); they stay owned until `releaseAll`. */
    async disconnectAll() {
      await halt();
      await serial(async () => {
        for (const h of held.values())
          if (h.connected) {
            h.connected = false;
            await connector.release(h.bot).catch((err) => log('releasing', err));
          }
      });
    },

    /** Gives every bot up (after the worker stopped: nothing is in flight). */
    async releaseAll() {
      await halt();
      await serial(async () => {
        for (const id of [...held.keys()]) await release(id);
      });
    },

    /** The deliveries this relay may claim: those of bots it owns, after the handoff pause. */
    scope(): ClaimScope {
      const t = Date.now();
      const mine: number[] = [];
      for (const [id, h] of held) if (t >= h.sendableAt) mine.push(id);
      return { kinds: OWNED_TYPES, bots: mine };
    },

    owns: (botId: number) => held.has(botId),
    /** Bots this relay owns (tests, the status page). */
    owned: () => [...held.keys()],
    /** The relays alive at the last look. */
    live: () => [...live],
  };
}
export type Ownership = ReturnType<typeof createOwnership>;
