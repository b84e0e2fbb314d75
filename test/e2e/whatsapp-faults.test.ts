import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../../relay/db/dialect.js';
import { sql } from '../../relay/db/sql.js';
import { backoffMs } from '../../relay/delivery/backoff.js';
import { startSmtpServer, type SmtpServer } from '../fakes/smtp.js';
import { ERRORS, startWhatsAppFake, type WhatsAppFake } from '../fakes/whatsapp.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../helpers/relay.js';
import { deliveryOf, eventually } from '../relay/channels/fixtures.js';
import { waUser, whatsappBot, type WhatsAppBot } from '../relay/channels/whatsapp-fixtures.js';
import { leadBody, postLead, widgetShop } from '../relay/public/fixtures.js';

/**
 * Delivery under a misbehaving WhatsApp and a mail server that goes away: throughput errors
 * (130429), 5xx and hung requests are retried until every message is delivered exactly once;
 * a pair-rate error (131056) waits the pair's interval; "outside the 24-hour window" (131047)
 * ends the delivery with its reason, at once or when Meta reports it later; an SMTP server
 * that is down and then back delivers the alert once, a 5xx refusal is final.
 */
describe('delivery to a faulty WhatsApp and SMTP server', () => {
  let fake: WhatsAppFake;
  let smtp: SmtpServer;
  let relay: Relay;
  let owner: Owner;
  let wa: WhatsAppBot;

  beforeAll(async () => {
    fake = await startWhatsAppFake({ windowErrors: 'sync' });
    smtp = await startSmtpServer();
    relay = await startRelay(
      { whatsappApiUrl: fake.url, mail: { smtpUrl: smtp.url, from: 'alerts@shop.example' } },
      {
        worker: {
          sendTimeoutMs: 1_500,
          backoff: (n) => backoffMs(n, { baseMs: 100, capMs: 1_000, floorMs: 50 }),
        },
      },
    );
    owner = await userWithShop(relay);
    wa = await whatsappBot(relay, fake, owner);
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
    await smtp.close();
  });

  /** A person who wrote to the bot (their window is open), as a bot user id. */
  const person = async (name = 'Ann') => {
    const p = waUser(name);
    expect((await fake.text(wa.number, p, 'hello')).status).toBe(200);
    const users = await relay.api.get(
      `/api/bot/bot_users/?shop_id=${owner.shop.id}&search=${p.waId}`,
      { token: owner.token },
    );
    return { ...p, id: users.body.result.results[0].id as number };
  };
  const send = (botUserId: number, text: string) =>
    relay.api.post(
      '/api/bot/messages/send_message/',
      { shop_id: owner.shop.id, bot_user_id: botUserId, payload: { text } },
      { token: owner.token },
    );
  const statuses = async (ids: number[]) => {
    const d = dialect(relay.db.engine);
    return relay.db.all(
      sql<[string], { status: string; n: number }>(
        `SELECT status, count(*) AS n FROM deliveries WHERE id IN ${d.ids('?')} GROUP BY status`,
      ),
      [JSON.stringify(ids)],
    );
  };

  it('retries 130429, 5xx and unanswered requests until all 60 messages arrive, none twice', async () => {
    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => person(`P${i}`)));
    fake.setFaults({ error500: 0.15, throughput: 0.15, hang: 0.05 });
    const ids: number[] = [];
    for (let round = 0; round < 3; round++) {
      const sent = await Promise.all(people.map((p, i) => send(p.id, `message ${round}-${i}`)));
      for (const r of sent) {
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        ids.push(r.body.result.delivery_id);
      }
    }
    await eventually(
      async () => (await statuses(ids)).some((s) => s.status === 'sent' && s.n === 60),
      60_000,
    );
    fake.setFaults({});
    const texts = fake.messages.filter((m) => m.text.startsWith('message ')).map((m) => m.text);
    expect(texts).toHaveLength(60);
    expect(new Set(texts).size).toBe(60);
    // Each person got their own three (a retried one may arrive after a later one).
    for (const [i, p] of people.entries())
      expect(
        fake
          .messagesTo(p.waId)
          .map((m) => m.text)
          .sort(),
      ).toEqual([0, 1, 2].map((round) => `message ${round}-${i}`));
    const outcomes = fake.attempts.reduce<Record<string, number>>((acc, a) => {
      acc[a.outcome] = (acc[a.outcome] ?? 0) + 1;
      return acc;
    }, {});
    expect(outcomes['130429']).toBeGreaterThan(0);
    expect(outcomes['1']).toBeGreaterThan(0);
    expect(outcomes.hang).toBeGreaterThan(0);
    // Nothing hit the pair limit or was refused as malformed.
    expect(outcomes['131056'] ?? 0).toBe(0);
    expect(outcomes['100'] ?? 0).toBe(0);
    const attempts = await relay.db.get(
      sql<[string], { n: number }>(
        `SELECT count(*) AS n FROM delivery_attempts WHERE delivery_id IN ${dialect(relay.db.engine).ids('?')}`,
      ),
      [JSON.stringify(ids)],
    );
    expect(attempts!.n).toBeGreaterThan(60);
  }, 90_000);

  it('waits the pair interval after a 131056 and then delivers, once', async () => {
    const p = await person('Pat');
    fake.failNext(ERRORS.pair);
    const r = await send(p.id, 'after the pair limit');
    const id = r.body.result.delivery_id;
    const first = await eventually(async () => {
      const d = await deliveryOf(relay, id);
      return d.status === 'failed' && d;
    });
    expect(first.last_error).toMatch(/^WhatsApp 131056: .*pair rate limit hit/);
    const done = await eventually(async () => {
      const d = await deliveryOf(relay, id);
      return d.status === 'sent' && d;
    }, 15_000);
    expect(done.attempts).toBe(2);
    // The retry waited the pair's 6 s from the failure (the fake's clock: arrivals).
    const tries = fake.attempts.filter((a) => a.to === p.waId && a.type === 'text').slice(-2);
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(6_000);
    expect(fake.messagesTo(p.waId).filter((m) => m.text === 'after the pair limit')).toHaveLength(
      1,
    );
  }, 30_000);

  it('ends a message outside the 24-hour window with 131047 and its reason, after one attempt', async () => {
    // The relay thinks the person wrote recently; WhatsApp knows better.
    const p = await person('Quinn');
    fake.closeWindow(wa.number, p.waId);
    const r = await send(p.id, 'too late');
    const id = r.body.result.delivery_id;
    const dead = await eventually(async () => {
      const d = await deliveryOf(relay, id);
      return d.status === 'dead' && d;
    });
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toBe(
      'WhatsApp 131047: (#131047) Re-engagement message (Message failed to send because more than 24 hours have passed since the customer last replied to this number.)',
    );
    expect(fake.messagesTo(p.waId)).toEqual([]);
    // The same when Meta takes the message and reports the failure later (a status webhook).
    fake.setWindowErrors('async');
    try {
      const late = await send(p.id, 'too late again');
      const lateId = late.body.result.delivery_id;
      const later = await eventually(async () => {
        const d = await deliveryOf(relay, lateId);
        return d.status === 'dead' && d;
      });
      expect(later.attempts).toBe(1);
      expect(later.last_error).toMatch(/^WhatsApp 131047: Re-engagement message/);
      expect(later.remote_id).toMatch(/^wamid\./);
    } finally {
      fake.setWindowErrors('sync');
    }
  });

  it('delivers an email alert once after the SMTP server was down, and a 4xx, and gives up on a 5xx', async () => {
    const shop = await widgetShop(relay);
    const channel = await relay.api.post(
      '/api/notifications/channels/',
      { shop_id: shop.shopId, type: 'email', to: ['ops@shop.example'], events: ['lead.created'] },
      { token: shop.token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    const alertOf = async (leadId: number) =>
      (
        await relay.api.get(
          `/api/notifications/deliveries/?shop_id=${shop.shopId}&event=lead.created`,
          { token: shop.token },
        )
      ).body.result.results.find((d: any) => d.payload.subject === `New lead #${leadId}: callback`);

    await smtp.stop();
    const lead = await postLead(relay, leadBody(shop.pk));
    const leadId = lead.body.result.lead_id;
    const failed = await eventually(async () => {
      const d = await alertOf(leadId);
      return d?.status === 'failed' && d.attempts >= 2 && d;
    }, 15_000);
    expect(failed.last_error).toMatch(/^SMTP (ECONNECTION|ESOCKET)/);
    expect(smtp.received.filter((m) => m.subject.includes(`#${leadId}:`))).toHaveLength(0);
    smtp.failNext(1); // back, but busy once: 451
    await smtp.start();
    const sent = await eventually(async () => {
      const d = await alertOf(leadId);
      return d?.status === 'sent' && d;
    }, 20_000);
    const attempts = await relay.api.get(
      `/api/notifications/deliveries/${sent.id}/?shop_id=${shop.shopId}`,
      { token: shop.token },
    );
    expect(attempts.body.result.attempt_log.map((a: any) => a.outcome)).toContain(
      'transient_error',
    );
    expect(attempts.body.result.attempt_log.some((a: any) => /^SMTP 451/.test(a.error ?? ''))).toBe(
      true,
    );
    await new Promise((r) => setTimeout(r, 500));
    const got = smtp.received.filter((m) => m.subject === `New lead #${leadId}: callback`);
    expect(got).toHaveLength(1);
    expect(got[0].to).toEqual(['ops@shop.example']);
    expect(got[0].messageId).toBe(`<delivery-${sent.id}@shop.example>`);

    // A recipient the server refuses for good: one attempt, dead, with the server's answer.
    smtp.refuse('ops@shop.example');
    const refused = await postLead(relay, leadBody(shop.pk));
    const dead = await eventually(async () => {
      const d = await alertOf(refused.body.result.lead_id);
      return d?.status === 'dead' && d;
    }, 15_000);
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toMatch(/^SMTP 550/);
  }, 60_000);
});
