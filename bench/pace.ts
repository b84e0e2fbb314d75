import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewBot } from '../relay/bots/store.js';
import { openDb } from '../relay/db/open.js';
import { sql } from '../relay/db/sql.js';
import { createStores } from '../relay/deps.js';
import { spawnRelay, stop } from '../test/helpers/process.js';

const PEOPLE = sql<{ shop_id: number; bot_id: number; chat_id: string; now: string }, never>(
  `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, last_inbound_at)
   VALUES (@shop_id, @bot_id, @chat_id, @chat_id, @now)`,
);
const IDS = sql<[number], { id: number; chat_id: string }>(
  `SELECT id, chat_id FROM bot_users WHERE bot_id = ? ORDER BY id`,
);

/**
 * What a fake messenger saw of a paced stream, from the times it accepted each message: the
 * steady rate — n − 1 intervals between the first and the last — and the most messages it
 * took in any one second (its sliding window).
 */
export function paceOf(times: number[]) {
  const first = times[0];
  const last = times[times.length - 1];
  const rate = (times.length - 1) / ((last - first) / 1000);
  let worst = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= 1000) i++;
    worst = Math.max(worst, j - i + 1);
  }
  return { seconds: Number(((last - first) / 1000).toFixed(2)), rate, worst };
}

/**
 * Starts the relay as its own process on the environment given (a database with the queue
 * already in it), waits until `done()` says the fake took everything (or `timeoutMs`), reads
 * the figures, and stops the relay.
 */
export async function drain<T>(
  env: Record<string, string>,
  done: () => boolean,
  measure: () => T,
  timeoutMs = 180_000,
): Promise<T> {
  const relay = await spawnRelay(env);
  try {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return measure();
  } finally {
    await stop(relay.child);
  }
}

/**
 * A paced-delivery part against a fake messenger running in this process: a database in a
 * temporary folder with one shop and its bot (`bot`), and a message queued for each of
 * `chats` (`Message <i>: your order has shipped.`) before the relay starts; with `people`,
 * each chat is a bot user who wrote within the day (their window is open). The relay
 * process then `drain`s it (`env` says where the fake is) until the fake `accepted` them
 * all. The figures, in the order every paced part prints them: the messages, how many the
 * fake accepted for how many distinct chats (`to`), the pace, the rate against the limit
 * (`perSecond`; with `unit`, a configured one) and what the fake refused (`refusals`). The
 * folder is removed at the end.
 */
export async function pacedQueue<M extends { at: number }>({
  bot,
  chats,
  people = false,
  env,
  accepted,
  timeoutMs,
  messenger,
  distinct,
  to,
  perSecond,
  unit,
  refusals,
}: {
  bot: Omit<NewBot, 'shop_id'>;
  chats: string[];
  people?: boolean;
  env: Record<string, string>;
  accepted: () => M[];
  timeoutMs: number;
  /** `accepted by <messenger>`. */
  messenger: string;
  /** `distinct <distinct>`: what a chat is called (chats, people). */
  distinct: string;
  to: (message: M) => unknown;
  perSecond: number;
  unit?: string;
  refusals: () => Record<string, number>;
}): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const dbPath = join(dir, 'bench.db');
  try {
    const db = await openDb(dbPath);
    const stores = createStores(db);
    const user = await stores.users.create('bench@example.test', 'correct horse battery');
    const shop = await stores.shops.create({ name: 'Bench' }, user.id);
    const { id: bot_id } = await stores.bots.create({ shop_id: shop.id, ...bot });
    const botUsers = new Map<string, number>();
    if (people) {
      const now = new Date().toISOString();
      await db.tx(async (tx) => {
        for (const chat_id of chats)
          await tx.run(PEOPLE, { shop_id: shop.id, bot_id, chat_id, now });
      });
      for (const p of await db.all(IDS, [bot_id])) botUsers.set(p.chat_id, p.id);
    }
    await stores.deliveries.enqueue(
      chats.map((chat_id, i) => ({
        shop_id: shop.id,
        event: 'bot_user.message',
        kind: bot.bot_type,
        bot_id,
        ...(people ? { bot_user_id: botUsers.get(chat_id) } : {}),
        chat_id,
        payload: { text: `Message ${i}: your order has shipped.` },
      })),
    );
    await db.close();

    return await drain(
      { TOUCHPOINT_DB: dbPath, ...env },
      () => accepted().length >= chats.length,
      () => {
        const all = accepted();
        const { seconds, rate, worst } = paceOf(all.map((m) => m.at));
        return {
          messages: chats.length,
          [`accepted by ${messenger}`]: all.length,
          [`distinct ${distinct}`]: new Set(all.map(to)).size,
          'first to last (s)': seconds,
          ...(unit ? { [`configured rate (${unit})`]: perSecond } : {}),
          'messages/s': Number(rate.toFixed(2)),
          [`rate ÷ ${unit ? 'configured' : perSecond}`]: Number((rate / perSecond).toFixed(3)),
          ...refusals(),
          'most in one second': worst,
          'load average (1 min)': loadavg()[0].toFixed(2),
        };
      },
      timeoutMs,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
