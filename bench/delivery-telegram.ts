/**
 * bench/delivery.ts part (1), `telegram`: 600 messages for 600 private chats of one bot,
 * queued before the relay starts, drained by the relay (its own process, as `npm start` runs
 * it) against the fake Bot API enforcing Telegram's limits (30 messages/s per bot in any
 * sliding second), which runs in this process and counts. Reports the achieved rate ÷ 30 and
 * the number of 429s the fake answered. Target: ≥ 0.95 and 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../relay/db/open.js';
import { createStores } from '../relay/deps.js';
import { startTelegramFake } from '../test/fakes/telegram.js';
import { spawnRelay, stop } from '../test/helpers/process.js';
import { paceOf } from './pace.js';

export async function telegram(total = 600): Promise<Record<string, number | string>> {
  const fake = await startTelegramFake();
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const dbPath = join(dir, 'bench.db');
  const token = '424242:benchmark-token-benchmark-token';
  fake.addBot(token, 'bench_bot');

  const db = await openDb(dbPath);
  const stores = createStores(db);
  const user = await stores.users.create('bench@example.test', 'correct horse battery');
  const shop = await stores.shops.create({ name: 'Bench' }, user.id);
  const bot = await stores.bots.create({
    shop_id: shop.id,
    bot_type: 'telegram',
    name: 'Bench bot',
    credential: token,
    tg_bot_nickname: 'bench_bot',
  });
  await stores.deliveries.enqueue(
    Array.from({ length: total }, (_, i) => ({
      shop_id: shop.id,
      event: 'bot_user.message',
      kind: 'telegram',
      bot_id: bot.id,
      chat_id: String(100_000 + i),
      payload: { text: `Message ${i}: your order has shipped.` },
    })),
  );
  await db.close();

  const relay = await spawnRelay({ TOUCHPOINT_DB: dbPath, TELEGRAM_API_URL: fake.url });
  try {
    const deadline = Date.now() + 120_000;
    while (fake.messages.length < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const accepted = fake.messages;
    const { seconds, rate, worst } = paceOf(accepted.map((m) => m.at));
    return {
      messages: total,
      'accepted by Telegram': accepted.length,
      'distinct chats': new Set(accepted.map((m) => m.chat_id)).size,
      'first to last (s)': seconds,
      'messages/s': Number(rate.toFixed(2)),
      'rate ÷ 30': Number((rate / 30).toFixed(3)),
      '429 answers': fake.attempts.filter((a) => a.outcome === '429').length,
      'most in one second': worst,
      'load average (1 min)': loadavg()[0].toFixed(2),
    };
  } finally {
    await stop(relay.child);
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
