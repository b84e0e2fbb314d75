import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { updates } from '../../fakes/telegram-updates.js';
import { freePort } from '../../helpers/process.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, telegramBot, tgUser } from '../channels/fixtures.js';

/**
 * The groups a bot was added to (Telegram `my_chat_member`), listed by title so that a shop
 * picks one for its alert channel, and a test alert sent there through the real delivery path.
 */
describe('bot chats and test alerts', () => {
  let fake: TelegramFake;
  let relay: Relay;
  let owner: Owner;
  let other: Owner;
  let bot: { id: number };
  let token: string;
  const manager = tgUser({ first_name: 'Mia', last_name: 'Owner' });

  beforeAll(async () => {
    fake = await startTelegramFake();
    const port = await freePort();
    relay = await startRelay({
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      publicUrlExplicit: true,
      telegramApiUrl: fake.url,
      webhookAllowPrivate: true,
    });
    owner = await userWithShop(relay, 'Chats');
    other = await userWithShop(relay, 'Other');
    ({ bot, token } = await telegramBot(relay, fake, owner));
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const chats = (who: Owner = owner, botId = bot.id) =>
    relay.api.get(`/api/bot/bot/${botId}/chats/?shop_id=${who.shop.id}`, { token: who.token });
  const deliver = async (update: Record<string, unknown>) =>
    expect((await fake.deliverUpdate(token, update)).status).toBe(200);

  it('lists a group by title once the bot is added, and forgets it when the bot leaves', async () => {
    expect((await chats()).body.result).toMatchObject({ count: 0, results: [] });
    await deliver(updates.botInGroup(manager, -100123, 'Coffee managers', 'administrator'));
    await deliver(updates.botInGroup(manager, -100456, 'Old group', 'member'));
    const listed = await chats();
    expect(listed.status).toBe(200);
    expect(listed.body.result.results.map((c: any) => [c.chat_id, c.title, c.status])).toEqual([
      ['-100456', 'Old group', 'member'],
      ['-100123', 'Coffee managers', 'administrator'],
    ]);
    expect(listed.body.result.results[0]).toMatchObject({
      shop_id: owner.shop.id,
      bot_id: bot.id,
      type: 'supergroup',
      alert_channel_ids: [],
    });
    await deliver(updates.botInGroup(manager, -100456, 'Old group', 'left'));
    expect((await chats()).body.result.results.map((c: any) => c.chat_id)).toEqual(['-100123']);
  });

  it('shows another shop’s bot as not found', async () => {
    const r = await chats(other);
    expect(r.status).toBe(404);
    expect(r.body.errors.common).toBe('Bot not found.');
  });

  it('sends a test alert to the picked group through the outbox, and says where it failed', async () => {
    const created = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: owner.shop.id,
        type: 'telegram',
        bot_id: bot.id,
        chat_id: '-100123',
        events: ['lead.created'],
        enabled: false,
      },
      { token: owner.token },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const channel = created.body.result;
    expect((await chats()).body.result.results[0].alert_channel_ids).toEqual([channel.id]);

    // A paused channel can be tested: the test is how an owner checks it before enabling it.
    const test = await relay.api.post(
      `/api/notifications/channels/${channel.id}/test/?shop_id=${owner.shop.id}`,
      undefined,
      { token: owner.token },
    );
    expect(test.status, JSON.stringify(test.body)).toBe(202);
    expect(test.body.result).toMatchObject({
      channel_id: channel.id,
      delivery: { event: 'alert.test', kind: 'telegram', chat_id: '-100123' },
    });
    const sent = await eventually(() => fake.messagesTo(-100123)[0]);
    expect(sent.plain).toContain('Test alert from Touchpoint');
    const delivery = await eventually(async () => {
      const r = await relay.api.get(
        `/api/notifications/deliveries/${test.body.result.delivery.id}/?shop_id=${owner.shop.id}`,
        { token: owner.token },
      );
      return r.body.result.status === 'sent' && r.body.result;
    });
    expect(delivery.remote_id).toBe(String(sent.message_id));

    // A chat the bot cannot post to: the delivery says why.
    fake.block(-100123, 'Forbidden: bot was kicked from the supergroup chat');
    const failing = await relay.api.post(
      `/api/notifications/channels/${channel.id}/test/?shop_id=${owner.shop.id}`,
      undefined,
      { token: owner.token },
    );
    const dead = await eventually(async () => {
      const r = await relay.api.get(
        `/api/notifications/deliveries/${failing.body.result.delivery.id}/?shop_id=${owner.shop.id}`,
        { token: owner.token },
      );
      return r.body.result.status === 'dead' && r.body.result;
    });
    expect(dead.last_error).toMatch(/kicked/);

    // Another shop cannot test it (404), nor can anyone without a token (401).
    const foreign = await relay.api.post(
      `/api/notifications/channels/${channel.id}/test/`,
      undefined,
      { token: other.token },
    );
    expect(foreign.status).toBe(404);
    const anonymous = await relay.api.post(`/api/notifications/channels/${channel.id}/test/`);
    expect(anonymous.status).toBe(401);
  });

  it('marks a lead handled when a manager taps its alert’s button in the group', async () => {
    await deliver(updates.botInGroup(manager, -100321, 'Lead desk', 'member'));
    const ch = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: owner.shop.id,
        type: 'telegram',
        bot_id: bot.id,
        chat_id: '-100321',
        events: ['lead.created'],
      },
      { token: owner.token },
    );
    expect(ch.status, JSON.stringify(ch.body)).toBe(201);
    const lead = await relay.api.post(
      '/api/store/leads/',
      { shop_id: owner.shop.id, fields: { name: 'Ivy' } },
      { token: owner.token },
    );
    const alert = await eventually(() => fake.messagesTo(-100321)[0]);
    // The console link is left out: this relay's public URL is an address Telegram refuses.
    expect(alert.reply_markup.inline_keyboard).toEqual([
      [{ text: 'Mark handled', callback_data: `lh:${lead.body.result.id}` }],
    ]);
    const before = fake.callsOf('answerCallbackQuery').length;
    await deliver(
      updates.groupPress(manager, -100321, alert.message_id, `lh:${lead.body.result.id}`),
    );
    const answered = fake.callsOf('answerCallbackQuery').slice(before);
    expect(answered.map((c) => c.params.text)).toEqual([
      `Lead #${lead.body.result.id} marked handled.`,
    ]);
    const read = await relay.api.get(
      `/api/store/leads/${lead.body.result.id}/?shop_id=${owner.shop.id}`,
      {
        token: owner.token,
      },
    );
    expect(read.body.result.status).toBe('done');
    const note = await eventually(() => fake.messagesTo(-100321)[1]);
    expect(note.plain).toBe(`✓ Lead #${lead.body.result.id} marked handled by Mia Owner.`);
    // No bot user was made of the manager who pressed.
    const users = await relay.api.get(`/api/bot/bot_users/?shop_id=${owner.shop.id}`, {
      token: owner.token,
    });
    expect(users.body.result.count).toBe(0);
  });

  it('moves a group that became a supergroup to its new id', async () => {
    await deliver(updates.botInGroup(manager, -789, 'Growing group', 'member'));
    await deliver({
      message: {
        message_id: 1,
        chat: { id: -789, type: 'group', title: 'Growing group' },
        date: Math.floor(Date.now() / 1000),
        migrate_to_chat_id: -100789,
      },
    });
    const ids = (await chats()).body.result.results.map((c: any) => c.chat_id);
    expect(ids).toContain('-100789');
    expect(ids).not.toContain('-789');
  });
});
