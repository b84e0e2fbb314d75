import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startViberFake, type ViberFake } from '../../fakes/viber.js';
import { freePort } from '../../helpers/process.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { botCount, deliveryOf, eventually, ownerCalls, rowCounts } from './fixtures.js';
import { viberBot, viberRelay, type ViberBot } from './viber-fixtures.js';

describe('Viber (REST Bot API) channel', () => {
  let fake: ViberFake;
  let relay: Relay;
  let owner: Owner;
  let vb: ViberBot;

  beforeAll(async () => {
    fake = await startViberFake();
    // Files are served from loopback here: the relay may reach private addresses.
    relay = await viberRelay(fake, { webhookAllowPrivate: true });
    owner = await userWithShop(relay);
    vb = await viberBot(relay, fake, owner);
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
  });

  const { create, userOf, send } = ownerCalls(() => ({ relay, owner, botId: vb.bot.id }), {
    bot_type: 'viber',
    name: 'Viber',
  });
  const countBots = () => botCount(relay);
  const counts = () => rowCounts(relay);

  it('connects a bot after get_account_info, registers its webhook with the receipts it needs, and never shows the token', async () => {
    const account = fake.addAccount({ uri: 'sofashop', name: 'Sofa Shop' });
    const r = await create({ token: account.token, settings: { uri: 'SofaShop' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const bot = r.body.result;
    expect(bot).toMatchObject({
      bot_type: 'viber',
      has_token: true,
      status: 'active',
      settings: { uri: 'sofashop', account_name: 'Sofa Shop' },
      // The relay registers the webhook itself: nothing to paste anywhere.
      webhook_url: null,
    });
    expect(account.webhook?.url).toBe(`${relay.config.publicUrl}/hooks/viber/${bot.id}`);
    expect(account.webhook?.eventTypes).toEqual(
      expect.arrayContaining(['delivered', 'seen', 'failed', 'conversation_started']),
    );
    for (const path of [`/api/bot/bots/${bot.id}/`, `/api/bot/bots/?shop_id=${owner.shop.id}`]) {
      const read = await relay.api.get(path, { token: owner.token });
      expect(read.status).toBe(200);
      expect(read.text).not.toContain(account.token);
    }
    // Stopping removes the webhook; restarting registers it again (with a fresh check).
    const stopped = await relay.api.post(`/api/bot/bot/${bot.id}/stop/`, undefined, {
      token: owner.token,
    });
    expect(stopped.body.result.status).toBe('stopped');
    expect(account.webhook).toBeUndefined();
    const restarted = await relay.api.post(`/api/bot/bot/${bot.id}/restart/`, undefined, {
      token: owner.token,
    });
    expect(restarted.body.result.status).toBe('active');
    expect(account.webhook?.url).toBe(`${relay.config.publicUrl}/hooks/viber/${bot.id}`);
  });

  it('refuses a token Viber rejects, a URI that is not the token’s, credentials, and spaces, storing nothing', async () => {
    const account = fake.addAccount({ uri: 'realuri' });
    const before = await countBots();
    const bad = await create({ token: 'not-a-viber-token' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.token).toEqual(['Viber rejected this auth token: invalidAuthToken']);
    const other = await create({ token: account.token, settings: { uri: 'someoneelse' } });
    expect(other.body.errors['settings.uri']).toEqual([
      'This auth token belongs to the bot realuri, not someoneelse.',
    ]);
    const creds = await create({ token: account.token, credentials: { secret: 'x' } });
    expect(creds.status).toBe(400);
    expect(Object.keys(creds.body.errors)).toContain('credentials');
    const spaced = await create({ token: 'abc def\r\nX-Evil: 1' });
    expect(spaced.body.errors.token).toEqual([
      'Paste the auth token as Viber shows it, without spaces.',
    ]);
    expect((await create({})).body.errors.token).toBeDefined();
    expect(await countBots()).toBe(before);

    const offline = await startRelay({ viberApiUrl: `http://127.0.0.1:${await freePort()}` });
    try {
      const o = await userWithShop(offline);
      const r = await offline.api.post(
        '/api/bot/bots/',
        { shop_id: o.shop.id, bot_type: 'viber', name: 'V', token: account.token },
        { token: o.token },
      );
      expect(r.status).toBe(400);
      expect(r.body.errors.token).toEqual(['Could not reach Viber to check this token.']);
    } finally {
      await offline.close();
    }
  });

  it('shows a bot in error when Viber cannot be given the relay’s address (no TOUCHPOINT_PUBLIC_URL, or Viber refuses it)', async () => {
    const local = await startRelay({ viberApiUrl: fake.url });
    try {
      const o = await userWithShop(local);
      const account = fake.addAccount();
      const r = await local.api.post(
        '/api/bot/bots/',
        { shop_id: o.shop.id, bot_type: 'viber', name: 'V', token: account.token },
        { token: o.token },
      );
      expect(r.status).toBe(201);
      expect(r.body.result).toMatchObject({
        status: 'error',
        status_detail:
          'Viber sends updates to TOUCHPOINT_PUBLIC_URL only: set it to the relay’s public https address.',
      });
      expect(account.webhook).toBeUndefined();
    } finally {
      await local.close();
    }
    // An address Viber cannot use: http on a public name.
    const port = await freePort();
    const plain = await startRelay({
      port,
      publicUrl: `http://relay.example:${port}`,
      publicUrlExplicit: true,
      viberApiUrl: fake.url,
    });
    try {
      const o = await userWithShop(plain);
      const account = fake.addAccount();
      const r = await plain.api.post(
        '/api/bot/bots/',
        { shop_id: o.shop.id, bot_type: 'viber', name: 'V', token: account.token },
        { token: o.token },
      );
      expect(r.body.result).toMatchObject({
        status: 'error',
        status_detail: 'Viber refused the webhook: invalidUrl',
      });
    } finally {
      await plain.close();
    }
  });

  it('refuses a forged, missing or other bot’s signature with 401 before reading the callback, and changes nothing', async () => {
    const before = await counts();
    const u = fake.user('Eve');
    const forged = await fake.post(
      vb.account,
      {
        event: 'message',
        message_token: '5',
        sender: { id: u.id },
        message: { type: 'text', text: 'hi' },
      },
      { signWith: 'guessed-token' },
    );
    expect(forged.status).toBe(401);
    // Signed with another bot's token: still not this bot's.
    const other = fake.addAccount();
    const crossed = await fake.post(
      vb.account,
      {
        event: 'message',
        message_token: '6',
        sender: { id: u.id },
        message: { type: 'text', text: 'hi' },
      },
      { signWith: other.token },
    );
    expect(crossed.status).toBe(401);
    const missing = await fetch(`${relay.url}/hooks/viber/${vb.bot.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"event":"message"}',
    });
    expect(missing.status).toBe(401);
    // Not even JSON is looked at before the signature: garbage with a wrong one is a 401.
    const garbage = await fake.post(vb.account, {}, { signWith: 'x', raw: '{not json' });
    expect(garbage.status).toBe(401);
    const unknownBot = await fake.post(
      vb.account,
      { event: 'webhook' },
      {
        url: `${relay.url}/hooks/viber/999999`,
      },
    );
    expect(unknownBot.status).toBe(401);
    expect(await counts()).toEqual(before);
    // Well signed garbage is a 400 in the API's envelope.
    const malformed = await fake.post(vb.account, {}, { raw: '{not json' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text).status).toBe('error');
  });

  it('lets a person open the chat unsubscribed (welcome answer, no sends), subscribes them on their first message, once however often Viber calls', async () => {
    const u = fake.user('Ann');
    const opened = await fake.open(vb.account, u, { token: '7001' });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({
      type: 'text',
      sender: { name: 'Sofa Shop 1' },
      text: 'Hello! The shop’s messages will come here.\nPress “Start” to subscribe.',
      keyboard: { Buttons: [{ ActionType: 'reply', ActionBody: 'Start', Text: 'Start' }] },
    });
    // Viber delivers the same callback again: handled once, and not answered twice.
    const again = await fake.open(vb.account, u, { token: '7001' });
    expect(again.status).toBe(200);
    expect(again.body.type).toBeUndefined();
    const pending = await userOf(u.id);
    expect(pending.store.subscribed_to_bot).toBe(false);
    expect(pending.name).toBe('Ann');

    expect((await fake.says(vb.account, u, 'Start', { token: '7002' })).status).toBe(200);
    expect((await fake.says(vb.account, u, 'Start', { token: '7002' })).status).toBe(200);
    const subscribed = await userOf(u.id);
    expect(subscribed.store.subscribed_to_bot).toBe(true);
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${owner.shop.id}&bot_user_id=${subscribed.id}&direction=in`,
      { token: owner.token },
    );
    expect(history.body.result.results.map((m: any) => m.payload.text).reverse()).toEqual([
      '/start',
      'Start',
    ]);
  });

  it('links a subscriber who opens the chat again from a new link, answering through send_message; opening it without one changes nothing', async () => {
    const u = fake.user('Gil');
    await fake.says(vb.account, u, 'hi');
    const before = await userOf(u.id);
    const { token } = await relay.stores.optins.create({
      shop_id: owner.shop.id,
      bot_id: vb.bot.id,
      lead_id: null,
      order_id: null,
      visitor_id: 'visitor-gil',
    });
    const opened = await fake.open(vb.account, u, { context: token });
    // Subscribed already: no welcome answer; the bot writes to them as usual.
    expect(opened.body.type).toBeUndefined();
    const answer = await eventually(() => fake.messagesTo(u)[0]);
    expect(answer.text).toBe('You are subscribed: the shop’s messages will come here.');
    const after = await userOf(u.id);
    expect(after.store.start_parameter).toBe(token);
    const messagesBefore = (await counts()) as { messages: number };
    await fake.open(vb.account, u);
    expect(((await counts()) as { messages: number }).messages).toBe(messagesBefore.messages);
    expect(after.id).toBe(before.id);
  });

  it('sends text, a picture and a file by URL (with the size Viber needs); records message tokens exactly, receipts move the delivery', async () => {
    const u = fake.user('Bob');
    await fake.says(vb.account, u, 'hello');
    const id = (await userOf(u.id)).id;
    const r1 = await send(id, { text: 'Plain <b>text</b> & more' });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    const text = await eventually(() => fake.messagesTo(u).find((m) => m.type === 'text'));
    expect(text.body).toMatchObject({
      receiver: u.id,
      sender: { name: 'Sofa Shop 1' },
      text: 'Plain <b>text</b> & more',
    });
    const r2 = await send(id, { text: 'A sofa', image_url: 'https://cdn.example/sofa.jpg' });
    const picture = await eventually(() => fake.messagesTo(u).find((m) => m.type === 'picture'));
    expect(picture.body).toMatchObject({ media: 'https://cdn.example/sofa.jpg', text: 'A sofa' });
    // The token is 64 bits: kept digit for digit, so the receipt finds this delivery.
    const d2 = await eventually(async () => {
      const d = await deliveryOf(relay, r2.body.result.delivery_id);
      return d.status === 'sent' && d;
    });
    expect(d2.remote_id).toBe(picture.token);
    expect(BigInt(picture.token)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    await fake.receipt(picture, 'delivered');
    expect((await deliveryOf(relay, d2.id)).status).toBe('delivered');
    await fake.receipt(picture, 'seen');
    expect((await deliveryOf(relay, d2.id)).status).toBe('read');
    // The text's delivery (token one less) did not move.
    expect((await deliveryOf(relay, r1.body.result.delivery_id)).status).toBe('sent');

    // A file: its server says its size (HEAD), which Viber requires.
    const files = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '12345' });
      res.end(req.method === 'HEAD' ? undefined : Buffer.alloc(12345));
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const fileUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/docs/price%20list.pdf`;
    try {
      await send(id, { text: '', file_url: fileUrl });
      const file = await eventually(() => fake.messagesTo(u).find((m) => m.type === 'file'));
      expect(file.body).toMatchObject({ media: fileUrl, size: 12345, file_name: 'price list.pdf' });
    } finally {
      files.close();
    }
    // A file whose server does not answer goes as a link.
    await send(id, { text: '', file_url: 'http://127.0.0.1:1/price-list.pdf' });
    const link = await eventually(() => fake.messagesTo(u).find((m) => m.type === 'url'));
    expect(link.body.media).toBe('http://127.0.0.1:1/price-list.pdf');
  });

  it('unsubscribes a person Viber says is not subscribed (6), at once and for good; shows a bot whose token stopped working (2)', async () => {
    const u = fake.user('Cy');
    await fake.says(vb.account, u, 'hi');
    const id = (await userOf(u.id)).id;
    await fake.unsubscribes(vb.account, u);
    expect((await userOf(u.id)).store.subscribed_to_bot).toBe(false);
    // The relay missed nothing here; a send still refused with 6 ends at once.
    await relay.db.run(sql(`UPDATE bot_users SET subscribed_to_bot = 1 WHERE id = ?`), [id]);
    const r = await send(id, { text: 'are you there?' });
    const dead = await eventually(async () => {
      const d = await deliveryOf(relay, r.body.result.delivery_id);
      return d.status === 'dead' && d;
    });
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toBe('Viber 6: receiverNotSubscribed');
    expect((await userOf(u.id)).store.subscribed_to_bot).toBe(false);

    const w = fake.user('Di');
    await fake.says(vb.account, w, 'hi');
    fake.failNext(2);
    const r2 = await send((await userOf(w.id)).id, { text: 'token?' });
    await eventually(
      async () => (await deliveryOf(relay, r2.body.result.delivery_id)).status === 'dead',
    );
    const bot = await relay.api.get(`/api/bot/bots/${vb.bot.id}/`, { token: owner.token });
    expect(bot.body.result).toMatchObject({
      status: 'error',
      status_detail: 'Viber refused the bot: invalidAuthToken (2)',
    });
    // Restarting checks the token again: it works, the bot is back.
    const back = await relay.api.post(`/api/bot/bot/${vb.bot.id}/restart/`, undefined, {
      token: owner.token,
    });
    expect(back.body.result.status).toBe('active');
  });
});
