import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { updates } from '../../fakes/telegram-updates.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, telegramBot, tgUser } from './fixtures.js';

/** Without a public URL the relay long-polls getUpdates; the same handler takes the updates. */
describe('Telegram long polling', () => {
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

  const botUser = (botId: number, userId: number) =>
    relay.db.get(
      sql<[number, string], { id: number; name: string; subscribed_to_bot: number }>(
        'SELECT * FROM bot_users WHERE bot_id = ? AND messenger_user_id = ?',
      ),
      [botId, String(userId)],
    );
  const offset = async (botId: number) =>
    (await relay.db.get(
      sql<[number], { o: number }>('SELECT tg_update_offset AS o FROM bots WHERE id = ?'),
      [botId],
    ))!.o;

  it('polls getUpdates with a long-poll timeout and handles /start, persisting the offset', async () => {
    const { bot, token } = await telegramBot(relay, fake, owner);
    expect(relay.channels.telegram.polling()).toContain(bot.id);
    const user = tgUser({ first_name: 'Poll' });
    const { update_id } = await fake.deliverUpdate(token, updates.start(user));
    const bu = await eventually(() => botUser(bot.id, user.id), 5_000);
    expect(bu).toMatchObject({ name: 'Poll Lee', subscribed_to_bot: 1 });
    await eventually(async () => (await offset(bot.id)) === update_id + 1, 5_000);
    await eventually(() => fake.pendingUpdates(token) === 0, 5_000);
    const poll = fake
      .callsOf('getUpdates')
      .filter((c) => c.token === token)
      .at(-1)!;
    expect(poll.params).toMatchObject({
      timeout: 1,
      allowed_updates: ['message', 'callback_query', 'my_chat_member'],
    });
  });

  it('resumes after a restart from the stored offset, handling each update once', async () => {
    const { bot, token } = await telegramBot(relay, fake, owner);
    const user = tgUser();
    await fake.deliverUpdate(token, updates.start(user));
    await eventually(() => botUser(bot.id, user.id), 5_000);
    await relay.channels.stopAll();
    expect(relay.channels.telegram.polling()).toEqual([]);
    await fake.deliverUpdate(token, updates.text(user, 'while you were away'));
    await relay.channels.startAll();
    const messages = () =>
      relay.db.all(
        sql<[number], { payload: string }>(
          `SELECT payload FROM messages WHERE bot_id = ? AND direction = 'in' ORDER BY id`,
        ),
        [bot.id],
      );
    await eventually(async () => (await messages()).length === 2, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect((await messages()).map((m) => JSON.parse(m.payload).text)).toEqual([
      '/start',
      'while you were away',
    ]);
  });

  it('removes a leftover webhook (getUpdates answers 409) and polls', async () => {
    const { bot, token } = await telegramBot(relay, fake, owner);
    await relay.api.post(`/api/bot/bot/${bot.id}/stop/`, undefined, { token: owner.token });
    await fetch(`${fake.url}/bot${token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://old.example/hook' }),
    });
    await relay.api.post(`/api/bot/bot/${bot.id}/restart/`, undefined, { token: owner.token });
    await eventually(() => fake.callsOf('deleteWebhook').some((c) => c.token === token), 5_000);
    const user = tgUser();
    await fake.deliverUpdate(token, updates.start(user));
    await eventually(() => botUser(bot.id, user.id), 5_000);
  });

  it('stops polling when the bot is stopped', async () => {
    const { bot, token } = await telegramBot(relay, fake, owner);
    await relay.api.post(`/api/bot/bot/${bot.id}/stop/`, undefined, { token: owner.token });
    expect(relay.channels.telegram.polling()).not.toContain(bot.id);
    const before = fake.callsOf('getUpdates').filter((c) => c.token === token).length;
    await new Promise((r) => setTimeout(r, 1_200));
    expect(fake.callsOf('getUpdates').filter((c) => c.token === token).length).toBe(before);
  });

  it('marks the bot as failing when Telegram no longer knows its token', async () => {
    const { bot, token } = await telegramBot(relay, fake, owner);
    fake.removeBot(token);
    const status = await eventually(async () => {
      const r = await relay.api.get(`/api/bot/bot/${bot.id}/status/`, { token: owner.token });
      return r.body.result.status === 'error' && r.body.result;
    }, 5_000);
    expect(status.status_detail).toMatch(/Unauthorized/);
  });
});
