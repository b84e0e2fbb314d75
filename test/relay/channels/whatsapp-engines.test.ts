import { afterAll, describe, expect, it } from 'vitest';
import { createInbound } from '../../../relay/channels/inbound.js';
import { sql } from '../../../relay/db/sql.js';
import { createStores } from '../../../relay/deps.js';
import { eachEngine } from '../bot-users/engines.js';

const { engines, stop } = eachEngine('whatsapp');
afterAll(stop);

const remoteOf = sql<[string, number], never>(
  `UPDATE deliveries SET status = 'sent', remote_id = ? WHERE id = ?`,
);
const statusOf = sql<[number], { status: string; last_error: string | null }>(
  `SELECT status, last_error FROM deliveries WHERE id = ?`,
);

/**
 * What WhatsApp added to the stores, on both engines: sealed bot credentials, the person's
 * last inbound message, receipts that only move a delivery forward, opt-in tokens found in a
 * message, alert channels with settings.
 */
describe.each(engines)('WhatsApp in the stores (%s)', (_engine, open) => {
  it('keeps settings readable and credentials sealed, records inbound times, and moves deliveries on receipts only forward', async () => {
    const db = await open();
    try {
      const stores = createStores(db);
      const user = await stores.users.create(`o${Date.now()}@example.test`, 'correct horse');
      const shop = await stores.shops.create({ name: 'Shop' }, user.id);
      const bot = await stores.bots.create({
        shop_id: shop.id,
        bot_type: 'whatsapp',
        name: 'WA',
        credential: 'EAAG-token',
        tg_bot_nickname: null,
        settings: { phone_number: '+15550101234', phone_number_id: '42' },
        credentials: { app_secret: 'app-secret', verify_token: 'verify-me' },
      });
      expect(bot.settings).toEqual({ phone_number: '+15550101234', phone_number_id: '42' });
      expect(JSON.stringify(bot)).not.toContain('app-secret');
      const secrets = await stores.bots.withSecrets(bot.id);
      expect(secrets).toMatchObject({
        token: 'EAAG-token',
        credentials: { app_secret: 'app-secret', verify_token: 'verify-me' },
      });
      const updated = await stores.bots.update(bot.id, {
        credentials: { app_secret: 'new-secret', verify_token: 'verify-me' },
      });
      expect(updated!.settings.phone_number_id).toBe('42');
      expect((await stores.bots.withSecrets(bot.id))!.credentials.app_secret).toBe('new-secret');

      // A first message: the person exists from then on, with the time they wrote.
      const inbound = createInbound({ db, stores });
      const ref = { id: bot.id, shop_id: shop.id, bot_type: 'whatsapp' as const };
      const person = {
        messenger_user_id: '447900000001',
        chat_id: '447900000001',
        name: 'Ann',
        lang_code: '',
        messenger_user_url: 'https://wa.me/447900000001',
      };
      expect(await stores.subscribers.exists(bot.id, person.messenger_user_id)).toBe(false);
      const started = await inbound.startWithToken(ref, person, {
        remoteId: 'wamid.1',
        text: 'Hi',
        token: null,
      });
      expect(started).toMatchObject({ created: true });
      expect(await stores.subscribers.exists(bot.id, person.messenger_user_id)).toBe(true);
      const last = await stores.subscribers.lastInbound(bot.id, person.messenger_user_id);
      expect(Date.now() - Date.parse(last!)).toBeLessThan(60_000);
      // An opt-in token of the shop is found in a message; a look-alike word is not one.
      const { token } = await stores.optins.create({
        shop_id: shop.id,
        bot_id: null,
        lead_id: null,
        order_id: null,
        visitor_id: 'v-1',
      });
      expect(await stores.optins.known(token, ref)).toBe(true);
      expect(await stores.optins.known('AbCdEfGhIjKlMnOpQrStUv', ref)).toBe(false);
      expect(await stores.optins.known(token, { id: bot.id, shop_id: shop.id + 1000 })).toBe(false);

      // Receipts: sent → delivered → read; a late "delivered" and a repeat change nothing.
      const [id, other] = await stores.deliveries.enqueue(
        ['one', 'two'].map((text) => ({
          shop_id: shop.id,
          event: 'message',
          kind: 'whatsapp',
          bot_id: bot.id,
          chat_id: person.chat_id,
          payload: { text },
        })),
      );
      expect(await stores.deliveries.receipt(bot.id, 'wamid.A', 'delivered')).toEqual({
        outcome: 'unknown',
      });
      await db.run(remoteOf, ['wamid.A', id]);
      await db.run(remoteOf, ['wamid.B', other]);
      expect(await stores.deliveries.receipt(bot.id, 'wamid.A', 'delivered')).toMatchObject({
        outcome: 'moved',
        id,
      });
      expect(await stores.deliveries.receipt(bot.id, 'wamid.A', 'read')).toMatchObject({
        outcome: 'moved',
      });
      expect(await stores.deliveries.receipt(bot.id, 'wamid.A', 'delivered')).toEqual({
        outcome: 'same',
      });
      expect(await db.get(statusOf, [id])).toEqual({ status: 'read', last_error: null });
      // Another bot's receipt for the same id moves nothing.
      expect(await stores.deliveries.receipt(bot.id + 1, 'wamid.B', 'read')).toEqual({
        outcome: 'unknown',
      });
      expect(
        await stores.deliveries.receipt(bot.id, 'wamid.B', 'dead', 'WhatsApp 131026: gone'),
      ).toMatchObject({ outcome: 'moved' });
      expect(await db.get(statusOf, [other])).toEqual({
        status: 'dead',
        last_error: 'WhatsApp 131026: gone',
      });
      expect((await stores.deliveries.countByStatus()).read).toBe(1);

      // An alert channel to a manager's number, with its template, as the fan-out reads it.
      const channel = await stores.channels.create(shop.id, {
        type: 'whatsapp',
        bot_id: bot.id,
        chat_id: null,
        phone: '+15550102000',
        whatsapp_template: { name: 'lead_alert', language: 'en', parameters: ['{alert.title}'] },
        url: null,
        events: ['lead.created'],
        enabled: true,
      });
      expect(channel).toMatchObject({ phone: '+15550102000', chat_id: null, to: null });
      const targets = await db.tx((tx) =>
        stores.eventTargets.targetsInTx(tx, shop.id, 'lead.created'),
      );
      expect(targets.channels).toEqual([
        expect.objectContaining({
          type: 'whatsapp',
          bot_type: 'whatsapp',
          chat_id: '+15550102000',
        }),
      ]);
    } finally {
      await db.close();
    }
  }, 60_000);
});
