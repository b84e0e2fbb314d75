import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { clearPublicCaches } from '../../../relay/public/cache.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from './fixtures.js';

describe('public API abuse defences', () => {
  let relay: Relay;
  let shop: WidgetShop;
  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    await relay.worker.stop();
    shop = await widgetShop(relay);
    await relay.stores.webhooks.create({
      shop_id: shop.shopId,
      url: 'https://hooks.example/leads',
      events: ['lead.created'],
    });
  });
  afterAll(() => relay.close());

  it('stores a filled honeypot as spam, answers a normal 202, and alerts nobody', async () => {
    const before = await counts(relay);
    const real = await postLead(relay, leadBody(shop.pk));
    const r = await postLead(relay, leadBody(shop.pk, { hp: 'http://spam.example' }));
    expect(r.status).toBe(202);
    expect(Object.keys(r.body.result)).toEqual(['lead_id', 'bot_user_id']);
    expect(r.body.result.lead_id).toBe(real.body.result.lead_id + 1);
    expect(r.body.result.bot_user_id).toBe(real.body.result.bot_user_id + 1);
    const lead = await relay.stores.leads.get(r.body.result.lead_id);
    expect(lead).toMatchObject({ spam: true, bot_user_id: null, source: 'widget' });
    const after = await counts(relay);
    expect(after.leads).toBe(before.leads + 2);
    expect(after.deliveries).toBe(before.deliveries + 1); // the real lead's webhook only
    expect(after.bot_users).toBe(before.bot_users + 1);
  });

  it("stores a form sent faster than the form's min_fill_ms as spam", async () => {
    const before = await counts(relay);
    const r = await postLead(relay, leadBody(shop.pk, { elapsed_ms: 300 }));
    expect(r.status).toBe(202);
    expect((await relay.stores.leads.get(r.body.result.lead_id))!.spam).toBe(true);
    expect((await counts(relay)).deliveries).toBe(before.deliveries);
    const list = await relay.api.get(`/api/store/leads/?shop_id=${shop.shopId}&spam=true`, {
      token: shop.token,
    });
    expect(list.body.result.results.map((l: { id: number }) => l.id)).toContain(
      r.body.result.lead_id,
    );
  });
});

describe('public API rate limits', () => {
  let relay: Relay;
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(() => relay?.close());

  /**
   * Lets the limit's window end: on SQLite the limiter reads this process's (faked) clock; on
   * PostgreSQL the windows end by the database's clock, shared by every relay, so the test
   * ends them there.
   */
  const windowEnds = async (at: string) => {
    vi.setSystemTime(new Date(at));
    if (relay.db.engine === 'postgres')
      await relay.db.run(
        sql(`UPDATE rate_counters SET reset_at = now() - interval '1 millisecond'`),
      );
  };

  it('limits requests per IP with 429 and Retry-After, and lets them through again', async () => {
    // Only Date is faked (the limiter's clock); installed first, so the limiter reads it.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    relay = await startRelay({ publicRateLimit: 5 });
    const shop = await widgetShop(relay);
    const config = () =>
      relay.api.get(`/public/v1/config?key=${shop.pk}`, { headers: { origin: ORIGIN } });
    for (let i = 0; i < 4; i++) expect((await config()).status).toBe(200);
    expect((await postLead(relay, leadBody(shop.pk))).status).toBe(202);
    const before = await counts(relay);
    const limited = await postLead(relay, leadBody(shop.pk));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited.headers.get('access-control-allow-origin')).toBe(ORIGIN); // readable by the widget
    expect(limited.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    expect((await config()).status).toBe(429);
    expect(await counts(relay)).toEqual(before);

    await windowEnds('2030-01-01T00:01:01Z');
    expect((await postLead(relay, leadBody(shop.pk))).status).toBe(202);
    await relay.close();
  });

  it("limits a key's writes per minute, as the shop's settings say, reads not counted", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    relay = await startRelay({ publicRateLimit: 0 });
    const shop = await widgetShop(relay, { settings: { public_key_rate_limit: 3 } });
    for (let i = 0; i < 3; i++) expect((await postLead(relay, leadBody(shop.pk))).status).toBe(202);
    const limited = await postLead(relay, leadBody(shop.pk));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect((await relay.api.get(`/public/v1/config?key=${shop.pk}`)).status).toBe(200);
    // Another shop's key has its own budget.
    const other = await widgetShop(relay, { settings: { public_key_rate_limit: 3 } });
    expect((await postLead(relay, leadBody(other.pk))).status).toBe(202);

    await windowEnds('2030-01-01T00:01:00Z');
    expect((await postLead(relay, leadBody(shop.pk))).status).toBe(202);
  });
});

describe('public API captcha', () => {
  let relay: Relay;
  let verifier: Server;
  let verifierUrl: string;
  const seen: URLSearchParams[] = [];
  let down = false;

  beforeAll(async () => {
    // A local stand-in for Turnstile's and hCaptcha's siteverify: "good-token" passes.
    verifier = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (down) return res.writeHead(502).end('bad gateway');
        const form = new URLSearchParams(body);
        seen.push(form);
        const success =
          form.get('secret') === 'shop-secret' && form.get('response') === 'good-token';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ success, 'error-codes': success ? [] : ['invalid-input-response'] }),
        );
      });
    });
    await new Promise<void>((r) => verifier.listen(0, '127.0.0.1', r));
    verifierUrl = `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/siteverify`;
    relay = await startRelay({ publicRateLimit: 0, webhookAllowPrivate: true });
  });
  afterAll(async () => {
    await relay.close();
    await new Promise((r) => verifier.close(r));
  });

  for (const provider of ['turnstile', 'hcaptcha'] as const) {
    it(`checks a ${provider} token with the verify URL before storing the lead`, async () => {
      const shop = await widgetShop(relay, {
        settings: { captcha: { provider, secret: 'shop-secret', verify_url: verifierUrl } },
      });
      const before = await counts(relay);
      const none = await postLead(relay, leadBody(shop.pk));
      expect(none.status).toBe(400);
      expect(none.body.errors).toHaveProperty('captcha_token');
      const bad = await postLead(relay, leadBody(shop.pk, { captcha_token: 'bad-token' }));
      expect(bad.status).toBe(400);
      expect(bad.body.errors.captcha_token[0]).toMatch(/captcha/);
      expect(await counts(relay)).toEqual(before);

      const body = leadBody(shop.pk, { captcha_token: 'good-token' });
      const good = await postLead(relay, body);
      expect(good.status).toBe(202);
      expect(seen.at(-1)!.get('remoteip')).toMatch(/127\.0\.0\.1/);
      // A widget's retry carries the token that verified already (a token verifies once at
      // the provider): it gets the first answer, and the verifier is not asked again.
      const asked = seen.length;
      const retry = await postLead(relay, body);
      expect(retry.text).toBe(good.text);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(seen.length).toBe(asked);

      // A verifier that fails looks exactly like one that says no: the answer tells a
      // caller nothing about the address behind verify_url.
      // The operator reads why in the log (a line per verifier host and minute).
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      down = true;
      const unavailable = await postLead(relay, leadBody(shop.pk, { captcha_token: 'good-token' }));
      down = false;
      const logged = warn.mock.calls.map(([line]) => line);
      warn.mockRestore();
      expect(unavailable.status).toBe(bad.status);
      expect(unavailable.body).toEqual(bad.body);
      // Once per verifier host and minute: the first provider's round logs it.
      if (provider === 'turnstile')
        expect(logged).toEqual([
          expect.stringMatching(
            /^captcha: verification through 127\.0\.0\.1:\d+ failed: the verifier answered 502$/,
          ),
        ]);
      else expect(logged).toEqual([]);
    });
  }

  it('refuses a verify URL in a private network unless private addresses are allowed', async () => {
    const strict = await startRelay({ publicRateLimit: 0, webhookAllowPrivate: false });
    try {
      const shop = await widgetShop(strict, {
        settings: {
          captcha: { provider: 'turnstile', secret: 'shop-secret', verify_url: verifierUrl },
        },
      });
      const before = seen.length;
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const r = await postLead(strict, leadBody(shop.pk, { captcha_token: 'good-token' }));
      warn.mockRestore();
      const refused = await postLead(strict, leadBody(shop.pk, { captcha_token: 'bad-token' }));
      expect(r.status).toBe(400);
      expect(r.body).toEqual(refused.body);
      expect(r.body.errors.captcha_token).toEqual(['The captcha check failed. Try again.']);
      expect(seen.length).toBe(before);
    } finally {
      await strict.close();
      clearPublicCaches();
    }
  });
});
