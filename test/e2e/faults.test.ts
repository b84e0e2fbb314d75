import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../../relay/db/dialect.js';
import { sql } from '../../relay/db/sql.js';
import { backoffMs } from '../../relay/delivery/backoff.js';
import { startTelegramFake, type TelegramFake } from '../fakes/telegram.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../helpers/relay.js';
import { eventually, subscribe, telegramBot, tgUser } from '../relay/channels/fixtures.js';

/**
 * Delivery under a misbehaving Telegram: random 500s, requests that never get an answer and
 * 429s with retry_after, for 200 messages over 100 chats. Every message must arrive exactly
 * once, and no request may reach a chat before the retry_after it was given has passed.
 */
describe('delivery to a faulty Telegram', () => {
  let fake: TelegramFake;
  let relay: Relay;
  let owner: Owner;
  let bot: { id: number; shop_id: number; bot_type: 'telegram' };

  beforeAll(async () => {
    fake = await startTelegramFake();
    relay = await startRelay(
      { telegramApiUrl: fake.url },
      {
        worker: {
          // Long enough that an answered request is never taken for a hung one on a busy
          // machine (that would be a legitimate duplicate: delivery is at-least-once).
          sendTimeoutMs: 4_000,
          backoff: (n) => backoffMs(n, { baseMs: 100, capMs: 1_000, floorMs: 50 }),
        },
        channels: { pollTimeoutS: 1 },
      },
    );
    owner = await userWithShop(relay);
    ({ bot } = await telegramBot(relay, fake, owner));
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const send = (bot_user_id: number, text: string) =>
    relay.api.post(
      '/api/bot/messages/send_message/',
      { shop_id: owner.shop.id, bot_user_id, payload: { text } },
      { token: owner.token },
    );
  const statuses = (ids: number[]) => {
    const d = dialect(relay.db.engine);
    return relay.db.all(
      sql<[string], { status: string; n: number }>(
        `SELECT status, count(*) AS n FROM messages m JOIN deliveries d ON d.id = m.delivery_id
                WHERE m.id IN ${d.ids('?')} GROUP BY status`,
      ),
      [JSON.stringify(ids)],
    );
  };

  it('delivers 200 messages through 500s, timeouts and 429s: all of them, none twice, none early', async () => {
    const users = Array.from({ length: 100 }, () => tgUser());
    const botUsers = await Promise.all(users.map((u) => subscribe(relay, bot, u)));
    fake.setFaults({ error500: 0.15, hang: 0.05, tooMany: 0.1, retryAfterS: 1 });
    const ids: number[] = [];
    for (let round = 0; round < 2; round++) {
      const sent = await Promise.all(botUsers.map((bu, i) => send(bu.id, `message ${round}-${i}`)));
      for (const r of sent) {
        expect(r.status).toBe(201);
        ids.push(r.body.result.id);
      }
    }
    await eventually(
      async () => (await statuses(ids)).some((s) => s.status === 'sent' && s.n === 200),
      60_000,
    );
    fake.setFaults({});

    const texts = fake.messages.filter((m) => m.plain.startsWith('message ')).map((m) => m.plain);
    expect(texts).toHaveLength(200);
    expect(new Set(texts).size).toBe(200);
    // The faults really happened.
    const outcomes = fake.attempts.reduce<Record<string, number>>((acc, a) => {
      acc[a.outcome] = (acc[a.outcome] ?? 0) + 1;
      return acc;
    }, {});
    expect(outcomes['500']).toBeGreaterThan(0);
    expect(outcomes.hang).toBeGreaterThan(0);
    expect(outcomes['429']).toBeGreaterThan(0);
    // After a 429 for a chat, nothing reached that chat before retry_after had passed.
    expect(fake.attempts.filter((a) => a.cause === 'early')).toEqual([]);
    for (const told of fake.attempts.filter((a) => a.outcome === '429')) {
      const next = fake.attempts.find((a) => a.chat_id === told.chat_id && a.at > told.at);
      if (next) expect(next.at - told.at).toBeGreaterThanOrEqual(told.retry_after! * 1000);
    }
  }, 90_000);

  it('gives up on a person who blocked the bot after one attempt and unsubscribes them', async () => {
    const user = tgUser();
    const bu = await subscribe(relay, bot, user);
    fake.block(user.id);
    // Three messages queued before the first attempt, so the later two are in the outbox
    // when the 403 comes back.
    await relay.worker.stop();
    const ids: number[] = [];
    for (const text of ['one', 'two', 'three']) ids.push((await send(bu.id, text)).body.result.id);
    relay.worker.start();
    await eventually(
      async () => (await statuses(ids)).some((s) => s.status === 'dead' && s.n === 3),
      10_000,
    );
    expect(fake.attempts.filter((a) => a.chat_id === String(user.id))).toHaveLength(1);
    const attempts = (await relay.db.get(
      sql(`SELECT sum(attempts) AS n FROM deliveries WHERE bot_user_id = ?`),
      [bu.id],
    )) as { n: number };
    expect(attempts.n).toBe(3);
    const read = await relay.api.get(`/api/bot/bot_users/${bu.id}/`, { token: owner.token });
    expect(read.body.result.store.subscribed_to_bot).toBe(false);
  });
});
