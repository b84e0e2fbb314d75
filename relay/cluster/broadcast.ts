import { sql, type Database } from '../db/sql.js';
import type { ChangeFeed } from './changes.js';
import { CHANNEL } from './session.js';

/**
 * What relays tell each other, as one JSON notification (each list optional):
 * - `shops`, `bots`, `allBots`: committed writes (the change feed, relay/cluster/changes.ts);
 * - `restart`, `stop`: a bot's connection must restart (created, new token, restarted) or
 *   stop (stopped, about to be deleted): its owner does it;
 * - `released`: bots whose owner gave them up (the relay they now belong to takes them);
 * - `joined`, `left`: a relay started or stopped (the bots are spread again);
 * - `events`: the shop event log gained rows (streams on other relays read it at once).
 */
export type Message = {
  from: string;
  shops?: number[];
  bots?: number[];
  allBots?: true;
  restart?: number[];
  stop?: number[];
  released?: number[];
  joined?: true;
  left?: true;
  events?: true;
};
type Lists = 'shops' | 'bots' | 'restart' | 'stop' | 'released';
const LISTS: Lists[] = ['shops', 'bots', 'restart', 'stop', 'released'];
const FLAGS = ['allBots', 'joined', 'left', 'events'] as const;

/** Ids per list per notification: far below NOTIFY's 8000-byte payload limit. */
const IDS_PER_MESSAGE = 400;

const notify = sql<[string], never>(`SELECT pg_notify('${CHANNEL}', ?)`);

/**
 * PostgreSQL: tells the other relays what this one changed, and feeds what they tell into
 * this relay's change feed (as `remote`). Sent with `pg_notify` outside any transaction, after
 * the write committed, gathered for `debounceMs` into one notification: NOTIFY takes a
 * database-wide lock at commit, so it never rides in a lead's transaction. A notification
 * lost while a relay's session reconnects is made good by the relay itself (it forgets its
 * caches and looks at its bots again, relay/cluster/index.ts), and by the caches' TTL.
 */
export function createBroadcast(
  db: Database,
  feed: ChangeFeed,
  instanceId: string,
  { debounceMs = 20, onMessage }: { debounceMs?: number; onMessage: (m: Message) => void },
) {
  let pending: Omit<Message, 'from'> = {};
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const add = (list: Lists, id: number) => {
    const ids = (pending[list] ??= []);
    if (!ids.includes(id)) ids.push(id);
  };

  async function flush() {
    timer = null;
    const all = pending;
    pending = {};
    const messages: Message[] = [];
    const first: Message = { from: instanceId };
    for (const key of FLAGS) if (all[key]) first[key] = true;
    messages.push(first);
    for (const list of LISTS) {
      const ids = all[list] ?? [];
      for (let i = 0, m = 0; i < ids.length; i += IDS_PER_MESSAGE, m++) {
        messages[m] ??= { from: instanceId };
        messages[m][list] = ids.slice(i, i + IDS_PER_MESSAGE);
      }
    }
    for (const m of messages.filter((m) => Object.keys(m).length > 1))
      await db.run(notify, [JSON.stringify(m)]).catch((err) => {
        // The others' TTLs and ticks make good what they did not hear.
        console.error('cluster notify:', (err as Error).message);
      });
  }

  const schedule = () => {
    if (!timer && !closed) timer = setTimeout(() => void flush(), debounceMs);
  };

  feed.on((change, origin) => {
    if (origin !== 'local') return;
    if ('shop' in change) add('shops', change.shop);
    else if ('events' in change) pending.events = true;
    else if (!('bot' in change)) return;
    else if (change.bot === null) pending.allBots = true;
    else add('bots', change.bot);
    schedule();
  });

  return {
    /** Tells the others (gathered with what else is pending). */
    say(m: Omit<Message, 'from'>) {
      for (const list of LISTS) for (const id of m[list] ?? []) add(list, id);
      for (const key of FLAGS) if (m[key]) pending[key] = true;
      schedule();
    },

    /** A notification arrived (the session's LISTEN). */
    receive(payload: string) {
      let m: Message;
      try {
        m = JSON.parse(payload) as Message;
      } catch {
        return;
      }
      if (m.from === instanceId) return;
      for (const shop of m.shops ?? []) feed.emit({ shop }, 'remote');
      if (m.allBots) feed.emit({ bot: null }, 'remote');
      for (const bot of m.bots ?? []) feed.emit({ bot }, 'remote');
      if (m.events) feed.emit({ events: true }, 'remote');
      onMessage(m);
    },

    /** Sends what is pending now (at stop). */
    async close() {
      if (timer) clearTimeout(timer);
      await flush();
      closed = true;
    },
  };
}
export type Broadcast = ReturnType<typeof createBroadcast>;
