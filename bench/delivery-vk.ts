/**
 * bench/delivery.ts part (5), `vk`: 600 messages to 600 people of one VK community (each
 * wrote to it, so it may write back), queued before the relay starts, drained by the relay
 * (its own process) against the VK API fake enforcing the community token's requests a second
 * (20, VK's default: 6 "too many requests" beyond) — which runs in this process and counts.
 * Reports the achieved rate ÷ 20 and the 6 answers. Target: ≥ 0.95 and none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../relay/db/open.js';
import { sql } from '../relay/db/sql.js';
import { createStores } from '../relay/deps.js';
import { startVkFake } from '../test/fakes/vk.js';
import { drain, paceOf } from './pace.js';

const PEOPLE = sql<{ shop_id: number; bot_id: number; vk_id: string; now: string }, never>(
  `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, last_inbound_at)
   VALUES (@shop_id, @bot_id, @vk_id, @vk_id, @now)`,
);
const IDS = sql<[number], { id: number; chat_id: string }>(
  `SELECT id, chat_id FROM bot_users WHERE bot_id = ? ORDER BY id`,
);

export async function vk(total = 600, rps = 20): Promise<Record<string, number | string>> {
  const fake = await startVkFake();
  const community = fake.addCommunity({ rps });
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const dbPath = join(dir, 'bench.db');

  const db = await openDb(dbPath);
  const stores = createStores(db);
  const user = await stores.users.create('bench@example.test', 'correct horse battery');
  const shop = await stores.shops.create({ name: 'Bench' }, user.id);
  const bot = await stores.bots.create({
    shop_id: shop.id,
    bot_type: 'vk',
    name: 'Bench community',
    credential: community.token,
    tg_bot_nickname: null,
    settings: { group_id: community.id, screen_name: community.screen_name },
    credentials: { confirmation: 'bench', secret: 'bench-secret' },
  });
  const now = new Date().toISOString();
  await db.tx(async (tx) => {
    for (let i = 0; i < total; i++)
      await tx.run(PEOPLE, { shop_id: shop.id, bot_id: bot.id, vk_id: String(100_000 + i), now });
  });
  const people = await db.all(IDS, [bot.id]);
  // They wrote to the community: VK lets it write back.
  for (const p of people) await fake.allowSilently(community, Number(p.chat_id));
  await stores.deliveries.enqueue(
    people.map((p, i) => ({
      shop_id: shop.id,
      event: 'bot_user.message',
      kind: 'vk',
      bot_id: bot.id,
      bot_user_id: p.id,
      chat_id: p.chat_id,
      payload: { text: `Message ${i}: your order has shipped.` },
    })),
  );
  await db.close();

  try {
    return await drain(
      { TOUCHPOINT_DB: dbPath, VK_API_URL: fake.url },
      () => fake.messages.length >= total,
      () => {
        const accepted = fake.messages;
        const { seconds, rate, worst } = paceOf(accepted.map((m) => m.at));
        return {
          messages: total,
          'accepted by VK': accepted.length,
          'distinct people': new Set(accepted.map((m) => m.peer)).size,
          'first to last (s)': seconds,
          'configured rate (req/s)': rps,
          'messages/s': Number(rate.toFixed(2)),
          'rate ÷ configured': Number((rate / rps).toFixed(3)),
          '6 answers': fake.attempts.filter((a) => a.outcome === '6').length,
          'most in one second': worst,
          'load average (1 min)': loadavg()[0].toFixed(2),
        };
      },
      180_000,
    );
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
