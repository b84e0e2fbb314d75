import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { ERRORS, startWhatsAppFake, type WhatsAppFake } from '../../fakes/whatsapp.js';
import { freePort } from '../../helpers/process.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { botCount, deliveryOf, eventually, ownerCalls } from './fixtures.js';
import { waUser, whatsappBot, type WhatsAppBot } from './whatsapp-fixtures.js';

describe('WhatsApp (Cloud API) channel', () => {
  let fake: WhatsAppFake;
  let relay: Relay;
  let owner: Owner;
  let other: Owner;
  let wa: WhatsAppBot;

  beforeAll(async () => {
    fake = await startWhatsAppFake({ windowErrors: 'sync' });
    relay = await startRelay({ whatsappApiUrl: fake.url });
    owner = await userWithShop(relay);
    other = await userWithShop(relay, 'Other');
    wa = await whatsappBot(relay, fake, owner);
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const { create } = ownerCalls(() => ({ relay, owner, botId: wa.bot.id }), {
    bot_type: 'whatsapp',
    name: 'WA',
  });
  const countBots = () => botCount(relay);

  it('connects a bot after checking its token and number id with the Graph API, and never shows a secret', async () => {
    const number = fake.addNumber({ display: '+1 555-010-4242', verifiedName: 'Sofa Shop' });
    const r = await create({
      token: number.token,
      settings: { phone_number_id: number.phoneNumberId, waba_id: '102290129340398' },
      credentials: { app_secret: 'app-secret-0123456789' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const bot = r.body.result;
    expect(bot).toMatchObject({
      bot_type: 'whatsapp',
      has_token: true,
      status: 'active',
      settings: {
        phone_number: '+15550104242',
        phone_number_id: number.phoneNumberId,
        waba_id: '102290129340398',
        verified_name: 'Sofa Shop',
      },
      webhook_url: `${relay.config.publicUrl}/hooks/whatsapp/${bot.id}`,
    });
    // The verify token was made up by the relay: shown this once, to paste into Meta.
    expect(bot.verify_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    for (const path of [`/api/bot/bots/${bot.id}/`, `/api/bot/bots/?shop_id=${owner.shop.id}`]) {
      const read = await relay.api.get(path, { token: owner.token });
      expect(read.status).toBe(200);
      for (const secret of [number.token, 'app-secret-0123456789', bot.verify_token])
        expect(read.text).not.toContain(secret);
      expect(read.text).not.toContain('verify_token');
    }
    const status = await relay.api.get(`/api/bot/bot/${bot.id}/status/`, { token: owner.token });
    expect(status.body.result.webhook_url).toBe(bot.webhook_url);
    // The verify token works for Meta's handshake.
    const ok = await fake.verify(`${relay.url}/hooks/whatsapp/${bot.id}`, bot.verify_token);
    expect(ok).toMatchObject({ status: 200, body: ok.challenge });
  });

  it('refuses a token Meta rejects, an unknown number id, a number that is not the id’s, and missing fields, storing nothing', async () => {
    const number = fake.addNumber();
    const before = await countBots();
    const base = {
      token: number.token,
      settings: { phone_number_id: number.phoneNumberId },
      credentials: { app_secret: 'app-secret-0123456789' },
    };
    const bad = await create({ ...base, token: 'EAAGnot-a-real-token' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.token).toEqual([
      'WhatsApp rejected this access token: Invalid OAuth access token - Cannot parse access token',
    ]);
    const spaced = await create({ ...base, token: 'EAAG token\r\nX-Evil: 1' });
    expect(spaced.body.errors.token).toEqual([
      'Paste the access token as Meta shows it, without spaces.',
    ]);
    const unknown = await create({ ...base, settings: { phone_number_id: '123' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors['settings.phone_number_id']).toEqual([
      expect.stringMatching(/^WhatsApp has no phone number with this id for this token: /),
    ]);
    const mismatch = await create({
      ...base,
      settings: { phone_number_id: number.phoneNumberId, phone_number: '+44 20 7946 0958' },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors['settings.phone_number'][0]).toMatch(/belongs to \+1555010/);
    const missing = await create({ token: number.token });
    expect(missing.status).toBe(400);
    expect(missing.body.errors['settings.phone_number_id']).toBeDefined();
    expect(missing.body.errors['credentials.app_secret']).toBeDefined();
    const noToken = await create({ settings: base.settings, credentials: base.credentials });
    expect(noToken.body.errors.token).toBeDefined();
    const extra = await create({ ...base, settings: { ...base.settings, colour: 'green' } });
    expect(extra.status).toBe(400);
    expect(Object.keys(extra.body.errors)).toContain('settings');
    const telegramish = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: owner.shop.id, bot_type: 'web', name: 'W', settings: { a: 1 } },
      { token: owner.token },
    );
    expect(telegramish.body.errors.settings).toEqual(['web bots take no settings.']);

    // A free port: nothing listens there, connections are refused at once.
    const offline = await startRelay({ whatsappApiUrl: `http://127.0.0.1:${await freePort()}` });
    try {
      const o = await userWithShop(offline);
      const r = await offline.api.post(
        '/api/bot/bots/',
        { shop_id: o.shop.id, bot_type: 'whatsapp', name: 'WA', ...base },
        { token: o.token },
      );
      expect(r.status).toBe(400);
      expect(r.body.errors.token).toEqual(['Could not reach WhatsApp to check this token.']);
    } finally {
      await offline.close();
    }
    expect(await countBots()).toBe(before);
  });

  it('lets owners alone change credentials, keeps the verify token, and checks again', async () => {
    const manager = await relay.stores.users.create(`m${Date.now()}@example.test`, 'pass12345678');
    await relay.stores.members.add(owner.shop.id, manager.id, 'manager');
    const managerToken = await relay.stores.users.issueToken(manager.id);
    const path = `/api/bot/bots/${wa.bot.id}/`;
    const denied = await relay.api.patch(
      path,
      { credentials: { app_secret: 'x'.repeat(20) } },
      { token: managerToken },
    );
    expect(denied.status).toBe(403);
    const renamed = await relay.api.patch(path, { name: 'Sales' }, { token: managerToken });
    expect(renamed.status).toBe(200);
    const patched = await relay.api.patch(
      path,
      { settings: { messages_per_second: 20 } },
      { token: owner.token },
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.result.settings.messages_per_second).toBe(20);
    expect(patched.body.result.verify_token).toBeUndefined();
    // The stored verify token still answers Meta's check.
    expect((await fake.verify(wa.hook, wa.verifyToken)).status).toBe(200);
    const wrong = await relay.api.patch(
      path,
      { settings: { phone_number_id: '999' } },
      { token: owner.token },
    );
    expect(wrong.status).toBe(400);
    const other2 = await relay.api.get(path, { token: other.token });
    expect(other2.status).toBe(404);
    await relay.api.patch(path, { settings: { messages_per_second: 80 } }, { token: owner.token });
  });

  it('answers Meta’s verification for the right verify token only', async () => {
    const url = `${relay.url}/hooks/whatsapp/${wa.bot.id}`;
    const good = await fake.verify(url, wa.verifyToken, '1158201444');
    expect(good).toEqual({ status: 200, body: '1158201444', challenge: '1158201444' });
    expect((await fake.verify(url, `${wa.verifyToken}x`)).status).toBe(403);
    expect((await fake.verify(url, '')).status).toBe(403);
    const wrongMode = await fetch(
      `${url}?hub.mode=unsubscribe&hub.verify_token=${wa.verifyToken}&hub.challenge=1`,
    );
    expect(wrongMode.status).toBe(403);
    // Another bot's id, an unknown one, garbage.
    for (const id of ['999999', 'abc', '-1'])
      expect((await fake.verify(`${relay.url}/hooks/whatsapp/${id}`, wa.verifyToken)).status).toBe(
        403,
      );
  });

  it('refuses a forged or missing signature with 401 before reading the update, and changes nothing', async () => {
    const person = waUser('Mallory');
    const count = async () =>
      (await relay.db.get(
        sql<[number], { n: number }>(`SELECT count(*) AS n FROM messages WHERE bot_id = ?`),
        [wa.bot.id],
      ))!.n;
    const before = await count();
    const forged = await fake.post(
      wa.number,
      {
        contacts: [{ wa_id: person.waId, profile: { name: 'Mallory' } }],
        messages: [{ from: person.waId, id: 'wamid.forged', type: 'text', text: { body: 'hi' } }],
      },
      { secret: 'not-the-app-secret' },
    );
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toEqual({
      status: 'error',
      errors: { common: 'Missing or wrong X-Hub-Signature-256.' },
    });
    const unsigned = await fetch(`${relay.url}/hooks/whatsapp/${wa.bot.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    // A signed body that is not JSON: verified, then refused as malformed.
    const malformed = await fake.post(wa.number, {}, { raw: '{"object":' });
    expect(malformed.status).toBe(400);
    expect(await count()).toBe(before);
    const users = await relay.api.get(`/api/bot/bot_users/?shop_id=${owner.shop.id}`, {
      token: owner.token,
    });
    expect(JSON.stringify(users.body)).not.toContain(person.waId);
  });

  it('takes a text message as the person’s, once however often Meta delivers it, and opens their window', async () => {
    const person = waUser('Bea');
    const first = await fake.text(wa.number, person, 'Do you deliver on Sundays?', 'wamid.sunday');
    expect(first.status).toBe(200);
    const again = await fake.text(wa.number, person, 'Do you deliver on Sundays?', 'wamid.sunday');
    expect(again.status).toBe(200);
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${owner.shop.id}&bot_id=${wa.bot.id}&direction=in`,
      { token: owner.token },
    );
    const mine = history.body.result.results.filter(
      (m: { payload: { text: string } }) => m.payload.text === 'Do you deliver on Sundays?',
    );
    expect(mine).toHaveLength(1);
    const users = await relay.api.get(
      `/api/bot/bot_users/?shop_id=${owner.shop.id}&search=${person.waId}`,
      { token: owner.token },
    );
    expect(users.body.result.results).toHaveLength(1);
    const bu = users.body.result.results[0];
    expect(bu).toMatchObject({
      messenger_user_id: person.waId,
      name: 'Bea',
      messenger_user_url: `https://wa.me/${person.waId}`,
      bot: { id: wa.bot.id, bot_type: 'whatsapp' },
    });
    const row = await relay.db.get(
      sql<[number], { at: string }>(`SELECT last_inbound_at AS at FROM bot_users WHERE id = ?`),
      [bu.id],
    );
    expect(Date.now() - Date.parse(row!.at)).toBeLessThan(60_000);
  });

  it('sends text, an image and a document by URL within the window, and records the wamid', async () => {
    const person = waUser('Cy');
    await fake.text(wa.number, person, 'hello');
    const bu = (
      await relay.api.get(`/api/bot/bot_users/?shop_id=${owner.shop.id}&search=${person.waId}`, {
        token: owner.token,
      })
    ).body.result.results[0];
    const send = (payload: Record<string, unknown>) =>
      relay.api.post(
        '/api/bot/messages/send_message/',
        { shop_id: owner.shop.id, bot_user_id: bu.id, payload },
        { token: owner.token },
      );
    const sent = [
      await send({ text: 'Your sofa <ships> today & tomorrow' }),
      await send({ text: 'The sofa', image_url: 'https://shop.example/sofa.jpg' }),
      await send({ file_url: 'https://shop.example/docs/Invoice%2042.pdf' }),
    ];
    for (const s of sent) expect(s.status, JSON.stringify(s.body)).toBe(201);
    const got = await eventually(
      () => fake.messagesTo(person.waId).length === 3 && fake.messagesTo(person.waId),
      10_000,
    );
    expect(got.map((m) => m.body.type)).toEqual(['text', 'image', 'document']);
    expect(got[0].body.text).toEqual({
      body: 'Your sofa <ships> today & tomorrow',
      preview_url: false,
    });
    expect(got[1].body.image).toEqual({
      link: 'https://shop.example/sofa.jpg',
      caption: 'The sofa',
    });
    expect(got[2].body.document).toEqual({
      link: 'https://shop.example/docs/Invoice%2042.pdf',
      filename: 'Invoice 42.pdf',
    });
    // Every request carried the pinned version and the bot's token, never in the URL.
    const deliveryIds = sent.map((s) => s.body.result.delivery_id);
    for (const [k, id] of deliveryIds.entries()) {
      const d = await eventually(async () => {
        const row = await deliveryOf(relay, id);
        return row.status === 'sent' && row;
      });
      expect(d.remote_id).toBe(got[k].wamid);
    }
  });

  /** A person who wrote to `bot` (window open), and a sender of messages to them. */
  const person = async (bot: WhatsAppBot, name: string) => {
    const p = waUser(name);
    await fake.text(bot.number, p, 'hi');
    const found = await relay.api.get(
      `/api/bot/bot_users/?shop_id=${owner.shop.id}&search=${p.waId}`,
      { token: owner.token },
    );
    const id = found.body.result.results[0].id as number;
    const send = async (text: string) =>
      (
        await relay.api.post(
          '/api/bot/messages/send_message/',
          { shop_id: owner.shop.id, bot_user_id: id, payload: { text } },
          { token: owner.token },
        )
      ).body.result.delivery_id as number;
    return { ...p, id, send };
  };
  const settled = (id: number, status: string) =>
    eventually(async () => {
      const d = await deliveryOf(relay, id);
      return d.status === status && d;
    });

  it('unsubscribes a person WhatsApp cannot deliver to (131026), at once or by status, and sends them nothing more', async () => {
    const p = await person(wa, 'Dee');
    // Both queued before the first attempt: the second is in the outbox when the first fails.
    await relay.worker.stop();
    const ids = [await p.send('one'), await p.send('two')];
    fake.failNext(ERRORS.undeliverable);
    relay.worker.start();
    const first = await settled(ids[0], 'dead');
    expect(first.last_error).toMatch(/^WhatsApp 131026: .*Message Undeliverable/);
    const second = await settled(ids[1], 'dead');
    expect(second.last_error).toBe('The bot user unsubscribed from the bot.');
    expect(fake.attempts.filter((a) => a.to === p.waId)).toHaveLength(1);
    const read = await relay.api.get(`/api/bot/bot_users/${p.id}/`, { token: owner.token });
    expect(read.body.result.store.subscribed_to_bot).toBe(false);

    // Meta may take a message and report it undeliverable later.
    const q = await person(wa, 'Eli');
    const id = await q.send('three');
    const sent = await settled(id, 'sent');
    const msg = fake.messages.find((m) => m.wamid === sent.remote_id)!;
    await fake.postStatus(msg, 'failed', ERRORS.undeliverable);
    const dead = await settled(id, 'dead');
    expect(dead.last_error).toMatch(/^WhatsApp 131026: Message Undeliverable/);
    const gone = await relay.api.get(`/api/bot/bot_users/${q.id}/`, { token: owner.token });
    expect(gone.body.result.store.subscribed_to_bot).toBe(false);
  });

  it('ends sends on a revoked access token (190) and shows the bot in error until the token is replaced', async () => {
    const mine = await whatsappBot(relay, fake, owner);
    const p = await person(mine, 'Flo');
    const goodToken = mine.number.token;
    mine.number.token = 'EAAGrevoked';
    const dead = await settled(await p.send('hello?'), 'dead');
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toMatch(/^WhatsApp 190: Invalid OAuth access token/);
    const status = await relay.api.get(`/api/bot/bot/${mine.bot.id}/status/`, {
      token: owner.token,
    });
    expect(status.body.result).toMatchObject({
      status: 'error',
      status_detail: expect.stringMatching(/^WhatsApp rejected the access token/),
    });
    mine.number.token = goodToken;
    const fixed = await relay.api.patch(
      `/api/bot/bots/${mine.bot.id}/`,
      { token: goodToken },
      { token: owner.token },
    );
    // Unchanged token: the restart re-checks it and clears the error.
    expect(fixed.status).toBe(200);
    const restarted = await relay.api.post(`/api/bot/bot/${mine.bot.id}/restart/`, undefined, {
      token: owner.token,
    });
    expect(restarted.body.result.status).toBe('active');
    await settled(await p.send('back'), 'sent');
  });
});
