import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startVkFake, type VkFake } from '../../fakes/vk.js';
import { freePort } from '../../helpers/process.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { botCount, deliveryOf, eventually, ownerCalls, rowCounts } from './fixtures.js';
import { vkBot, type VkBot } from './vk-fixtures.js';

describe('VK (Callback API and messages.send) channel', () => {
  let fake: VkFake;
  let relay: Relay;
  let owner: Owner;
  let vk: VkBot;

  beforeAll(async () => {
    fake = await startVkFake();
    relay = await startRelay({ vkApiUrl: fake.url });
    owner = await userWithShop(relay);
    vk = await vkBot(relay, fake, owner);
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const { create, userOf, send } = ownerCalls(() => ({ relay, owner, botId: vk.bot.id }), {
    bot_type: 'vk',
    name: 'VK',
  });
  const countBots = () => botCount(relay);
  const counts = () => rowCounts(relay);

  it('connects a bot after groups.getById, answers VK’s confirmation, and never shows a secret', async () => {
    const { bot, community, secret, confirmation } = vk;
    expect(bot).toMatchObject({
      bot_type: 'vk',
      has_token: true,
      status: 'active',
      settings: {
        group_id: community.id,
        screen_name: community.screen_name,
        community_name: community.name,
      },
      webhook_url: `${relay.config.publicUrl}/hooks/vk/${bot.id}`,
    });
    for (const path of [`/api/bot/bots/${bot.id}/`, `/api/bot/bots/?shop_id=${owner.shop.id}`]) {
      const read = await relay.api.get(path, { token: owner.token });
      for (const value of [community.token, secret, confirmation])
        expect(read.text).not.toContain(value);
    }
    const stored = await relay.db.get(
      sql<[number], { credential: string; credentials: string }>(
        `SELECT credential, credentials FROM bots WHERE id = ?`,
      ),
      [bot.id],
    );
    for (const value of [community.token, secret, confirmation])
      expect(JSON.stringify(stored)).not.toContain(value);
    const status = await relay.api.get(`/api/bot/bot/${bot.id}/status/`, { token: owner.token });
    expect(status.body.result.webhook_url).toBe(bot.webhook_url);
  });

  it('refuses a token VK rejects, another community’s id, missing credentials and spaces, storing nothing', async () => {
    const community = fake.addCommunity();
    const before = await countBots();
    const base = {
      token: community.token,
      settings: { group_id: community.id },
      credentials: { confirmation: 'abcd1234', secret: 'a-secret' },
    };
    const bad = await create({ ...base, token: 'vk1.a.not-a-token' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.token).toEqual([
      'VK rejected this community token: User authorization failed: invalid access_token (4).',
    ]);
    const other = await create({ ...base, settings: { group_id: 1 } });
    expect(other.body.errors['settings.group_id']).toEqual([
      `This token belongs to the community ${community.id}, not 1.`,
    ]);
    const name = await create({
      ...base,
      settings: { group_id: community.id, screen_name: 'x.y' },
    });
    expect(name.body.errors['settings.screen_name'][0]).toMatch(/short address is sofashop/);
    const missing = await create({ token: community.token, settings: {} });
    expect(missing.body.errors['settings.group_id']).toBeDefined();
    expect(missing.body.errors['credentials.confirmation']).toBeDefined();
    expect(missing.body.errors['credentials.secret']).toBeDefined();
    const spaced = await create({ ...base, credentials: { confirmation: 'a b', secret: 's' } });
    expect(spaced.body.errors['credentials.confirmation']).toEqual([
      'Paste the confirmation string as VK shows it, without spaces.',
    ]);
    expect(await countBots()).toBe(before);
    const offline = await startRelay({ vkApiUrl: `http://127.0.0.1:${await freePort()}/method` });
    try {
      const o = await userWithShop(offline);
      const r = await offline.api.post(
        '/api/bot/bots/',
        { shop_id: o.shop.id, bot_type: 'vk', name: 'V', ...base },
        { token: o.token },
      );
      expect(r.body.errors.token).toEqual(['Could not reach VK to check this token.']);
    } finally {
      await offline.close();
    }
  });

  it('refuses an event without the secret, with a wrong one or of another community with 401, and nothing it claims happens', async () => {
    const before = await counts();
    const u = fake.user('Eve');
    const object = {
      message: { id: 9, from_id: u.id, peer_id: u.id, text: 'hi', attachments: [] },
    };
    expect((await fake.post(vk.community, 'message_new', object, { secret: 'guess' })).status).toBe(
      401,
    );
    expect((await fake.post(vk.community, 'message_new', object, { secret: null })).status).toBe(
      401,
    );
    // The right secret for another community's id is not this bot's event either.
    const res = await fetch(vk.community.server!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message_new', group_id: 1, object, secret: vk.secret }),
    });
    expect(res.status).toBe(401);
    // A confirmation with a wrong secret does not get the confirmation string.
    const probe = await fetch(vk.community.server!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'confirmation', group_id: vk.community.id, secret: 'guess' }),
    });
    expect(probe.status).toBe(401);
    expect(await probe.text()).not.toContain(vk.confirmation);
    expect(await counts()).toEqual(before);
  });

  it('takes a message as the person’s and answers ok, once however often VK sends the event', async () => {
    const u = fake.user('Ann', 0);
    const first = await fake.writes(vk.community, u, 'Привет', { id: 501 });
    expect(first).toMatchObject({ status: 200, text: 'ok' });
    const again = await fake.post(
      vk.community,
      'message_new',
      { message: { id: 501, from_id: u.id, peer_id: u.id, text: 'Привет', attachments: [] } },
      { eventId: first.eventId },
    );
    expect(again).toMatchObject({ status: 200, text: 'ok' });
    const user = await userOf(u.id);
    expect(user).toMatchObject({
      lang_code: 'ru',
      messenger_user_url: `https://vk.com/id${u.id}`,
      store: { subscribed_to_bot: true },
    });
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${owner.shop.id}&bot_user_id=${user.id}&direction=in`,
      { token: owner.token },
    );
    expect(history.body.result.count).toBe(1);
    // A message in a group chat is not a person's: skipped.
    const before = await counts();
    const chat = await fake.post(vk.community, 'message_new', {
      message: { id: 77, from_id: u.id, peer_id: 2_000_000_001, text: 'hi all', attachments: [] },
    });
    expect(chat.text).toBe('ok');
    expect(await counts()).toEqual(before);
    // Forbidding and allowing the community's messages unsubscribes and subscribes.
    await fake.denies(vk.community, u);
    expect((await userOf(u.id)).store.subscribed_to_bot).toBe(false);
    await fake.allows(vk.community, u);
    expect((await userOf(u.id)).store.subscribed_to_bot).toBe(true);
  });

  it('sends text with links for images and files, and a random_id per part fixed by the delivery', async () => {
    const u = fake.user('Bob');
    await fake.writes(vk.community, u, 'hello');
    const id = (await userOf(u.id)).id;
    const r = await send(id, {
      text: '<b>Sofa</b> & chair',
      image_url: 'https://cdn.example/sofa.jpg',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const m = await eventually(() => fake.messagesTo(u)[0]);
    expect(m.text).toBe('<b>Sofa</b> & chair\nhttps://cdn.example/sofa.jpg');
    const d = await eventually(async () => {
      const row = await deliveryOf(relay, r.body.result.delivery_id);
      return row.status === 'sent' && row;
    });
    expect(d.remote_id).toBe(String(m.id));
    expect(m.randomId).toBe(1 + ((d.id * 16) % 2_147_483_646));
  });

  it('unsubscribes a person VK may not write to (901) after one attempt, and shows a bot whose token stopped working (5)', async () => {
    const u = fake.user('Cy');
    await fake.writes(vk.community, u, 'hi');
    const id = (await userOf(u.id)).id;
    fake.failNext(901);
    const r = await send(id, { text: 'still there?' });
    const dead = await eventually(async () => {
      const row = await deliveryOf(relay, r.body.result.delivery_id);
      return row.status === 'dead' && row;
    });
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toBe("VK 901: Can't send messages for users without permission");
    expect((await userOf(u.id)).store.subscribed_to_bot).toBe(false);

    const w = fake.user('Di');
    await fake.writes(vk.community, w, 'hi');
    fake.failNext(5);
    const r2 = await send((await userOf(w.id)).id, { text: 'token?' });
    await eventually(
      async () => (await deliveryOf(relay, r2.body.result.delivery_id)).status === 'dead',
    );
    const bot = await relay.api.get(`/api/bot/bots/${vk.bot.id}/`, { token: owner.token });
    expect(bot.body.result).toMatchObject({
      status: 'error',
      status_detail:
        'VK rejected the community token: User authorization failed: invalid access_token (4).',
    });
    const back = await relay.api.post(`/api/bot/bot/${vk.bot.id}/restart/`, undefined, {
      token: owner.token,
    });
    expect(back.body.result.status).toBe('active');
  });
  it('paces sends to the community’s requests a second: VK never answers “too many requests”', async () => {
    const slow = await vkBot(relay, fake, owner, { rps: 5 });
    const people: number[] = [];
    for (let i = 0; i < 5; i++) {
      const u = fake.user(`P${i}`);
      await fake.writes(slow.community, u, 'hi');
      people.push(
        (
          await relay.api.get(
            `/api/bot/bot_users/?shop_id=${owner.shop.id}&bot_id=${slow.bot.id}&search=${u.id}`,
            { token: owner.token },
          )
        ).body.result.results[0].id,
      );
    }
    const ids: number[] = [];
    for (let round = 0; round < 4; round++)
      for (const id of people)
        ids.push((await send(id, { text: `paced ${round}` })).body.result.delivery_id);
    await eventually(async () => {
      const rows = await Promise.all(ids.map((id) => deliveryOf(relay, id)));
      return rows.every((d) => d.status === 'sent');
    }, 30_000);
    const mine = fake.attempts.filter((a) => a.group === slow.community.id);
    expect(mine.filter((a) => a.outcome === 'accepted')).toHaveLength(20);
    expect(mine.filter((a) => a.outcome === '6')).toEqual([]);
  }, 40_000);
});
