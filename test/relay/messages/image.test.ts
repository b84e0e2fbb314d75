import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { sandboxPerson, sandboxShop, type SandboxShop } from '../scenario/sandbox.js';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** Images of messages, fetched by the relay for a console whose CSP allows only itself. */
describe('message images', () => {
  let relay: Relay;
  let shop: SandboxShop;
  let server: http.Server;
  let base = '';
  let botUserId = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/mug.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      else if (req.url === '/evil.svg')
        res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg onload="alert(1)"/>');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    relay = await startRelay({ demo: true, webhookAllowPrivate: true });
    shop = await sandboxShop(relay, 'Images');
    const person = sandboxPerson(relay, shop.botId);
    await person.start('Ann');
    botUserId = person.botUserId;
  });
  afterAll(async () => {
    await relay.close();
    await new Promise((r) => server.close(r));
  });

  const send = async (payload: Record<string, string>) => {
    const r = await relay.api.post(
      '/api/bot/messages/send_message/',
      { shop_id: shop.shopId, bot_user_id: botUserId, payload },
      { token: shop.token },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.id as number;
  };
  const image = (id: number, token = shop.token) =>
    fetch(`${relay.url}/api/bot/messages/${id}/image/?shop_id=${shop.shopId}`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it('answers the picture itself, private to the shop’s members', async () => {
    const id = await send({ text: 'Your mug', image_url: `${base}/mug.png` });
    const r = await image(id);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(Buffer.from(await r.arrayBuffer())).toEqual(PNG);
    const other = await sandboxShop(relay, 'Other');
    expect((await image(id, other.token)).status).toBe(404);
  });

  it('refuses what is no picture, a message without one, and an unreachable site', async () => {
    expect((await image(await send({ text: 'x', image_url: `${base}/evil.svg` }))).status).toBe(
      503,
    );
    expect((await image(await send({ text: 'no image' }))).status).toBe(404);
    const gone = await image(await send({ text: 'x', image_url: `${base}/missing.png` }));
    expect(gone.status).toBe(503);
    expect((await gone.json()).errors.common).toBe(
      'The image could not be loaded from where the message points.',
    );
  });

  it('never fetches a private address for a relay that does not allow them', async () => {
    const strict = await startRelay({ demo: true, webhookAllowPrivate: false });
    try {
      const s = await sandboxShop(strict, 'Strict');
      const p = sandboxPerson(strict, s.botId);
      await p.start('Bo');
      const sent = await strict.api.post(
        '/api/bot/messages/send_message/',
        {
          shop_id: s.shopId,
          bot_user_id: p.botUserId,
          payload: { text: 'x', image_url: `${base}/mug.png` },
        },
        { token: s.token },
      );
      const r = await fetch(`${strict.url}/api/bot/messages/${sent.body.result.id}/image/`, {
        headers: { authorization: `Bearer ${s.token}` },
      });
      expect(r.status).toBe(503);
    } finally {
      await strict.close();
    }
  });
});
