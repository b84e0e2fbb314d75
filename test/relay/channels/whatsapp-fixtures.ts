import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { FakeNumber, WhatsAppFake } from '../../fakes/whatsapp.js';
import type { Owner, Relay } from '../../helpers/relay.js';

let n = 0;

export type WhatsAppBot = {
  bot: {
    id: number;
    shop_id: number;
    bot_type: 'whatsapp';
    settings: Record<string, unknown>;
    webhook_url: string;
  };
  number: FakeNumber;
  appSecret: string;
  verifyToken: string;
  /** Where the fake posts the number's webhooks. */
  hook: string;
};

/**
 * A WhatsApp bot of the owner's shop, connected through the API as an owner would: the
 * number's access token, phone number id and app secret; the fake then posts the number's
 * webhooks to the bot's callback URL, signed with that secret.
 */
export async function whatsappBot(
  relay: Relay,
  fake: WhatsAppFake,
  owner: Owner,
  { mps, settings = {} }: { mps?: number; settings?: Record<string, unknown> } = {},
): Promise<WhatsAppBot> {
  const number = fake.addNumber(mps ? { mps } : {});
  const appSecret = randomBytes(16).toString('hex');
  const r = await relay.api.post(
    '/api/bot/bots/',
    {
      shop_id: owner.shop.id,
      bot_type: 'whatsapp',
      name: 'Shop WhatsApp',
      token: number.token,
      settings: {
        phone_number_id: number.phoneNumberId,
        ...(mps ? { messages_per_second: mps } : {}),
        ...settings,
      },
      credentials: { app_secret: appSecret },
    },
    { token: owner.token },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  // The callback URL is the relay's public one; on loopback the test relay listens elsewhere.
  const hook = `${relay.url}/hooks/whatsapp/${r.body.result.id}`;
  fake.subscribe(number, hook, appSecret);
  return { bot: r.body.result, number, appSecret, verifyToken: r.body.result.verify_token, hook };
}

/** A WhatsApp person: their wa_id is their number's digits. */
export const waUser = (name = 'Ann') => {
  n += 1;
  return {
    waId: `4479${String(10_000_000 + n * 7919 + Math.floor(Math.random() * 1e6)).slice(-8)}`,
    name,
  };
};
