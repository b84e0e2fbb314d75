import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { sql } from '../../../relay/db/sql.js';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const TOKEN_2 = '987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsbx';
const UNKNOWN = '555555555:CCHdqTcvCH1vGWJxfSeofSAs0K5PALDscy';

/** A loopback port with nothing listening: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('bots', () => {
  let telegram: TelegramFake;
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    telegram = await startTelegramFake();
    telegram.addBot(TOKEN, 'shop_alerts_bot');
    telegram.addBot(TOKEN_2, 'shop_news_bot');
    relay = await startRelay({ telegramApiUrl: telegram.url });
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
  });
  afterAll(async () => {
    await relay.close();
    await telegram.close();
  });

  const create = (owner: Owner, body: Record<string, unknown>) =>
    relay.api.post('/api/bot/bots/', { shop_id: owner.shop.id, ...body }, { token: owner.token });

  it('connects a Telegram bot after getMe, keeps the token secret and answers its nickname', async () => {
    const before = telegram.callsOf('getMe').length;
    const r = await create(a, { bot_type: 'telegram', name: 'Alerts', token: TOKEN });
    expect(r.status).toBe(201);
    expect(r.body.result).toMatchObject({
      shop_id: a.shop.id,
      bot_type: 'telegram',
      name: 'Alerts',
      has_token: true,
      status: 'active',
      status_detail: '',
      tg_bot_nickname: 'shop_alerts_bot',
      welcome_flow_id: null,
    });
    expect(telegram.callsOf('getMe')).toHaveLength(before + 1);
    expect(telegram.callsOf('getMe').at(-1)!.token).toBe(TOKEN);
    for (const path of [
      `/api/bot/bots/${r.body.result.id}/`,
      `/api/bot/bots/?shop_id=${a.shop.id}`,
    ]) {
      const read = await relay.api.get(path, { token: a.token });
      expect(read.text).not.toContain(TOKEN);
      expect(read.text).not.toContain('credential');
    }
    expect(r.text).not.toContain(TOKEN);
  });

  it('refuses a token Telegram rejects, a missing one, and one it cannot check', async () => {
    const rejected = await create(a, { bot_type: 'telegram', name: 'X', token: UNKNOWN });
    expect(rejected.status).toBe(400);
    expect(rejected.body.errors.token).toEqual(['Telegram rejected this token: Unauthorized']);
    const malformed = await create(a, {
      bot_type: 'telegram',
      name: 'X',
      token: '../../getUpdates?',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.token).toBeDefined();
    const missing = await create(a, { bot_type: 'telegram', name: 'X' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.token).toBeDefined();

    const offline = await startRelay({ telegramApiUrl: `http://127.0.0.1:${await closedPort()}` });
    try {
      const owner = await userWithShop(offline);
      const r = await offline.api.post(
        '/api/bot/bots/',
        { shop_id: owner.shop.id, bot_type: 'telegram', name: 'X', token: TOKEN },
        { token: owner.token },
      );
      expect(r.status).toBe(400);
      expect(r.body.errors.token).toEqual(['Could not reach Telegram to check this token.']);
    } finally {
      await offline.close();
    }
    const count = await relay.db.get(
      sql<[string], { n: number }>('SELECT count(*) AS n FROM bots WHERE name = ?'),
      ['X'],
    );
    expect(count?.n).toBe(0);
  });

  it('allows sandbox bots in demo mode only, and web bots without a check', async () => {
    const refused = await create(a, { bot_type: 'sandbox', name: 'Play' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.bot_type).toBeDefined();

    const demo = await startRelay({ demo: true });
    try {
      const owner = await userWithShop(demo, 'Demo', { demo: true });
      const r = await demo.api.post(
        '/api/bot/bots/',
        { shop_id: owner.shop.id, bot_type: 'sandbox', name: 'Play' },
        { token: owner.token },
      );
      expect(r.status).toBe(201);
      expect(r.body.result).toMatchObject({
        bot_type: 'sandbox',
        has_token: false,
        status: 'active',
      });
    } finally {
      await demo.close();
    }
    const web = await create(a, { bot_type: 'web', name: 'Site' });
    expect(web.body.result).toMatchObject({ has_token: false, tg_bot_nickname: null });
  });

  it('replaces a token after checking it, and only when it changes', async () => {
    const bot = (await create(a, { bot_type: 'telegram', name: 'Swap', token: TOKEN })).body.result;
    const path = `/api/bot/bots/${bot.id}/`;
    const calls = () => telegram.callsOf('getMe').length;

    let before = calls();
    const same = await relay.api.patch(path, { name: 'Renamed', token: TOKEN }, { token: a.token });
    expect(same.body.result).toMatchObject({ name: 'Renamed', tg_bot_nickname: 'shop_alerts_bot' });
    expect(calls()).toBe(before);

    before = calls();
    const swapped = await relay.api.patch(path, { token: TOKEN_2 }, { token: a.token });
    expect(swapped.status).toBe(200);
    expect(swapped.body.result.tg_bot_nickname).toBe('shop_news_bot');
    expect(calls()).toBe(before + 1);

    const bad = await relay.api.patch(path, { token: UNKNOWN }, { token: a.token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.token[0]).toMatch(/^Telegram rejected this token/);
    expect((await relay.api.patch(path, { token: null }, { token: a.token })).status).toBe(400);
    expect(await relay.stores.bots.credential(bot.id)).toBe(TOKEN_2);
  });

  it('sets a welcome flow only from the same shop and the same bot', async () => {
    const bot = (await create(a, { bot_type: 'web', name: 'Welcome' })).body.result;
    const other = (await create(a, { bot_type: 'web', name: 'Other' })).body.result;
    const botB = (await create(b, { bot_type: 'web', name: 'B' })).body.result;
    const flow = async (shopId: number, botId: number) =>
      (await relay.db.get(
        sql<[number, number, string], { id: number }>(
          'INSERT INTO flows (shop_id, bot_id, name) VALUES (?, ?, ?) RETURNING id',
        ),
        [shopId, botId, 'Hello'],
      ))!.id;
    const own = await flow(a.shop.id, bot.id);
    const path = `/api/bot/bots/${bot.id}/`;
    const ok = await relay.api.patch(path, { welcome_flow_id: own }, { token: a.token });
    expect(ok.body.result.welcome_flow_id).toBe(own);
    for (const foreign of [
      await flow(a.shop.id, other.id),
      await flow(b.shop.id, botB.id),
      999999,
    ]) {
      const r = await relay.api.patch(path, { welcome_flow_id: foreign }, { token: a.token });
      expect(r.status).toBe(400);
      expect(r.body.errors.welcome_flow_id).toBeDefined();
    }
    const cleared = await relay.api.patch(path, { welcome_flow_id: null }, { token: a.token });
    expect(cleared.body.result.welcome_flow_id).toBeNull();
  });

  it('stops and restarts a bot; a restart re-checks the Telegram token', async () => {
    const revocable = '111111111:DDHdqTcvCH1vGWJxfSeofSAs0K5PALDsdz';
    telegram.addBot(revocable, 'soon_gone_bot');
    const bot = (await create(a, { bot_type: 'telegram', name: 'Cycle', token: revocable })).body
      .result;
    const status = () => relay.api.get(`/api/bot/bot/${bot.id}/status/`, { token: a.token });
    expect((await status()).body.result).toMatchObject({
      id: bot.id,
      status: 'active',
      status_detail: '',
    });

    const stopped = await relay.api.post(`/api/bot/bot/${bot.id}/stop/`, undefined, {
      token: a.token,
    });
    expect(stopped.status).toBe(200);
    expect(stopped.body.result.status).toBe('stopped');
    expect((await status()).body.result.status).toBe('stopped');

    telegram.removeBot(revocable);
    const failed = await relay.api.post(`/api/bot/bot/${bot.id}/restart`, undefined, {
      token: a.token,
    });
    expect(failed.status).toBe(200);
    expect(failed.body.result).toMatchObject({
      status: 'error',
      status_detail: 'Telegram rejected this token: Unauthorized',
    });

    telegram.addBot(revocable, 'back_again_bot');
    const restarted = await relay.api.post(`/api/bot/bot/${bot.id}/restart/`, undefined, {
      token: a.token,
    });
    expect(restarted.body.result).toMatchObject({
      status: 'active',
      status_detail: '',
      tg_bot_nickname: 'back_again_bot',
    });
  });

  it('deletes a bot with its bot users', async () => {
    const bot = (await create(a, { bot_type: 'web', name: 'Doomed' })).body.result;
    await relay.stores.botUsers.create({
      shop_id: a.shop.id,
      bot_id: bot.id,
      messenger_user_id: 'v1',
    });
    const del = await relay.api.delete(`/api/bot/bots/${bot.id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id: bot.id, deleted: true } });
    expect((await relay.api.get(`/api/bot/bots/${bot.id}/`, { token: a.token })).status).toBe(404);
    const left = await relay.db.get(
      sql<[number], { n: number }>('SELECT count(*) AS n FROM bot_users WHERE bot_id = ?'),
      [bot.id],
    );
    expect(left).toEqual({ n: 0 });
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const owner = await userWithShop(relay, 'Many');
    for (let i = 0; i < 102; i++)
      await relay.stores.bots.create({
        shop_id: owner.shop.id,
        bot_type: 'web',
        name: `Web ${i}`,
        credential: null,
        tg_bot_nickname: null,
      });
    const base = `/api/bot/bots/?shop_id=${owner.shop.id}`;
    const first = await relay.api.get(`${base}&limit=5`, { token: owner.token });
    expect(first.body.result.count).toBe(102);
    const second = await relay.api.get(first.body.result.next, { token: owner.token });
    expect(second.body.result.results[0].name).toBe('Web 5');
    expect(new URL(second.body.result.previous).searchParams.get('limit')).toBe('5');
    const clamped = await relay.api.get(`${base}&limit=500`, { token: owner.token });
    expect(clamped.body.result.results).toHaveLength(100);
  });

  it("never shows, changes, stops or deletes another shop's bot", async () => {
    const botB = (await create(b, { bot_type: 'telegram', name: 'B bot', token: TOKEN })).body
      .result;
    const opts = {
      base: '/api/bot/bots/',
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: botB.id,
      patch: { name: 'stolen' },
    };
    await expectIsolated(relay.api, { ...opts, tokenA: a.token });
    const sk = await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' });
    await expectIsolated(relay.api, { ...opts, tokenA: sk.key });
    for (const token of [a.token, sk.key]) {
      expect((await relay.api.get(`/api/bot/bot/${botB.id}/status/`, { token })).status).toBe(404);
      expect(
        (await relay.api.post(`/api/bot/bot/${botB.id}/stop/`, undefined, { token })).status,
      ).toBe(404);
      expect(
        (await relay.api.post(`/api/bot/bot/${botB.id}/restart/`, undefined, { token })).status,
      ).toBe(404);
    }
    expect(await relay.stores.bots.get(botB.id)).toMatchObject({ name: 'B bot', status: 'active' });
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/bot/bots/',
      token: a.token,
      valid: { shop_id: a.shop.id, bot_type: 'telegram', name: 'Valid', token: TOKEN },
      required: ['bot_type', 'name'],
    });
    const bot = (await create(a, { bot_type: 'web', name: 'Patch me' })).body.result;
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/bot/bots/${bot.id}/`,
      token: a.token,
      valid: { name: 'Valid', token: 'web-secret' },
    });
    expect((await create(a, { bot_type: 'icq', name: 'Old' })).body.errors.bot_type).toBeDefined();
  });
});
