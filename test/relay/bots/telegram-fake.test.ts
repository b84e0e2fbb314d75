import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';

describe('the Telegram Bot API fake', () => {
  let fake: TelegramFake;
  beforeAll(async () => {
    fake = await startTelegramFake({
      limits: null,
      methods: { sendMessage: ({ params }) => ({ result: { message_id: 1, text: params.text } }) },
    });
    fake.addBot('42:known-token-known-token', 'known_bot');
  });
  afterAll(() => fake.close());

  it('answers getMe for a known token by GET and POST, in the Bot API format', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${fake.url}/bot42:known-token-known-token/getMe`, { method });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        ok: true,
        result: { id: 42, is_bot: true, first_name: 'known_bot', username: 'known_bot' },
      });
    }
  });

  it('answers 401 for an unknown token and 404 for an unknown method', async () => {
    const unknown = await fetch(`${fake.url}/bot1:nope/getMe`);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({
      ok: false,
      error_code: 401,
      description: 'Unauthorized',
    });
    const method = await fetch(`${fake.url}/bot42:known-token-known-token/doMagic`);
    expect(method.status).toBe(404);
    expect(await method.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
  });

  it('reads parameters from the query, JSON and urlencoded bodies, and records calls', async () => {
    const base = `${fake.url}/bot42:known-token-known-token/sendmessage`;
    await fetch(`${base}?chat_id=1&text=query`);
    await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: 1, text: 'json' }),
    });
    const form = await fetch(base, {
      method: 'POST',
      body: new URLSearchParams({ chat_id: '1', text: 'form' }),
    });
    expect((await form.json()).result.text).toBe('form');
    expect(fake.callsOf('sendMessage').map((c) => c.params.text)).toEqual([
      'query',
      'json',
      'form',
    ]);
  });
});
