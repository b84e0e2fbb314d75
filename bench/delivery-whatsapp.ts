/**
 * bench/delivery.ts part (4), `whatsapp`: 1,600 messages to 1,600 people of one WhatsApp
 * number (each wrote to it within the day: inside the 24-hour window), queued before the
 * relay starts, drained by the relay (its own process) against the Graph API fake enforcing
 * WhatsApp's limits — the number's throughput in any sliding second (80 messages/s, Meta's
 * default) and the pair rate per person — which runs in this process and counts. Reports the
 * achieved rate ÷ the configured rate, and the pacing errors the fake answered (130429
 * throughput, 131056 pair rate). Target: ≥ 0.95 and none.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../relay/db/open.js';
import { sql } from '../relay/db/sql.js';
import { createStores } from '../relay/deps.js';
import { startWhatsAppFake } from '../test/fakes/whatsapp.js';
import { spawnRelay, stop } from '../test/helpers/process.js';
import { paceOf } from './pace.js';

const PEOPLE = sql<{ shop_id: number; bot_id: number; wa_id: string; now: string }, never>(
  `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, last_inbound_at)
   VALUES (@shop_id, @bot_id, @wa_id, @wa_id, @now)`,
);
const IDS = sql<[number], { id: number; chat_id: string }>(
  `SELECT id, chat_id FROM bot_users WHERE bot_id = ? ORDER BY id`,
);

export async function whatsapp(total = 1_600, mps = 80): Promise<Record<string, number | string>> {
  const fake = await startWhatsAppFake({ windowErrors: 'sync' });
  const number = fake.addNumber({ mps });
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const dbPath = join(dir, 'bench.db');

  const db = await openDb(dbPath);
  const stores = createStores(db);
  const user = await stores.users.create('bench@example.test', 'correct horse battery');
  const shop = await stores.shops.create({ name: 'Bench' }, user.id);
  const bot = await stores.bots.create({
    shop_id: shop.id,
    bot_type: 'whatsapp',
    name: 'Bench number',
    credential: number.token,
    tg_bot_nickname: null,
    settings: {
      phone_number: '+15550100001',
      phone_number_id: number.phoneNumberId,
      messages_per_second: mps,
    },
    credentials: { app_secret: randomBytes(16).toString('hex'), verify_token: 'bench-verify' },
  });
  // People who wrote within the day: the fake and the relay agree their window is open.
  const now = new Date().toISOString();
  await db.tx(async (tx) => {
    for (let i = 0; i < total; i++) {
      const waId = String(4_470_000_000_00 + i);
      await tx.run(PEOPLE, { shop_id: shop.id, bot_id: bot.id, wa_id: waId, now });
    }
  });
  const people = await db.all(IDS, [bot.id]);
  for (const p of people) fake.userWrote(number, p.chat_id);
  await stores.deliveries.enqueue(
    people.map((p, i) => ({
      shop_id: shop.id,
      event: 'bot_user.message',
      kind: 'whatsapp',
      bot_id: bot.id,
      bot_user_id: p.id,
      chat_id: p.chat_id,
      payload: { text: `Message ${i}: your order has shipped.` },
    })),
  );
  await db.close();

  const relay = await spawnRelay({ TOUCHPOINT_DB: dbPath, WHATSAPP_API_URL: fake.url });
  try {
    const deadline = Date.now() + 180_000;
    while (fake.messages.length < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const accepted = fake.messages;
    const { seconds, rate, worst } = paceOf(accepted.map((m) => m.at));
    const refused = (code: string) => fake.attempts.filter((a) => a.outcome === code).length;
    return {
      messages: total,
      'accepted by WhatsApp': accepted.length,
      'distinct people': new Set(accepted.map((m) => m.to)).size,
      'first to last (s)': seconds,
      'configured rate (msg/s)': mps,
      'messages/s': Number(rate.toFixed(2)),
      'rate ÷ configured': Number((rate / mps).toFixed(3)),
      '130429 answers': refused('130429'),
      '131056 answers': refused('131056'),
      'most in one second': worst,
      'load average (1 min)': loadavg()[0].toFixed(2),
    };
  } finally {
    await stop(relay.child);
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
