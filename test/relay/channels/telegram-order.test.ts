import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, subscribe, telegramBot, tgUser } from './fixtures.js';

const PEOPLE = 40;
const ROUNDS = 3;

/**
 * A bot with more to send than Telegram's 30 a second: rows wait for the bot's slots, and
 * some are given back to the queue again and again. Each person still gets their messages in
 * the order they were asked for, a second apart at least, and Telegram never answers 429.
 */
describe('a saturated Telegram bot', () => {
  let fake: TelegramFake;
  let relay: Relay;
  let owner: Owner;
  beforeAll(async () => {
    fake = await startTelegramFake();
    relay = await startRelay({ telegramApiUrl: fake.url }, { channels: { pollTimeoutS: 1 } });
    owner = await userWithShop(relay);
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  it('keeps each chat’s messages in order', async () => {
    const { bot, token } = await telegramBot(relay, fake, owner);
    const people: { chat: number; botUserId: number }[] = [];
    for (let i = 0; i < PEOPLE; i++) {
      const user = tgUser();
      people.push({ chat: user.id, botUserId: (await subscribe(relay, bot, user)).id });
    }
    for (let round = 0; round < ROUNDS; round++)
      await Promise.all(
        people.map(async (p, k) => {
          const r = await relay.api.post(
            '/api/bot/messages/send_message/',
            {
              shop_id: owner.shop.id,
              bot_user_id: p.botUserId,
              content_type: 'text',
              payload: { text: `Message ${round * PEOPLE + k}` },
            },
            { token: owner.token },
          );
          expect(r.status, JSON.stringify(r.body)).toBe(201);
        }),
      );
    const sent = () => fake.messages.filter((m) => m.token === token);
    await eventually(() => sent().length >= PEOPLE * ROUNDS, 30_000);
    expect(sent()).toHaveLength(PEOPLE * ROUNDS);
    for (const p of people) {
      const mine = fake.messagesTo(p.chat);
      expect(mine.map((m) => m.plain)).toEqual(
        Array.from(
          { length: ROUNDS },
          (_, round) => `Message ${round * PEOPLE + people.indexOf(p)}`,
        ),
      );
      for (let k = 1; k < mine.length; k++)
        expect(mine[k].at - mine[k - 1].at).toBeGreaterThanOrEqual(1_000);
    }
    expect(fake.attempts.filter((a) => a.outcome === '429')).toEqual([]);
  }, 60_000);
});
