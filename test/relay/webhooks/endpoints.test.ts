import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

const BASE = '/api/webhooks/endpoints/';

describe('webhook endpoints', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    relay = await startRelay({ webhookAllowPrivate: true });
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
  });
  afterAll(() => relay.close());

  const create = (owner: Owner, body: Record<string, unknown> = {}) =>
    relay.api.post(
      BASE,
      { shop_id: owner.shop.id, url: 'http://127.0.0.1:9/hook', events: ['lead.created'], ...body },
      { token: owner.token },
    );

  it('shows the signing secret once, at creation, as whsec_ + base64 of 32 random bytes', async () => {
    const r = await create(a, { events: ['lead.created', 'order.created'] });
    expect(r.status).toBe(201);
    const ep = r.body.result;
    expect(ep).toMatchObject({
      shop_id: a.shop.id,
      url: 'http://127.0.0.1:9/hook',
      events: ['lead.created', 'order.created'],
      enabled: true,
      disabled_reason: null,
      failing_since: null,
      previous_secret_until: null,
    });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(ep.secret.slice(6), 'base64')).toHaveLength(32);

    const read = await relay.api.get(`${BASE}${ep.id}/`, { token: a.token });
    expect(read.status).toBe(200);
    expect(read.body.result).not.toHaveProperty('secret');
    expect(JSON.stringify(read.body)).not.toContain(ep.secret.slice(6));
    const list = await relay.api.get(`${BASE}?shop_id=${a.shop.id}`, { token: a.token });
    expect(JSON.stringify(list.body)).not.toContain(ep.secret.slice(6));
    expect((await create(a)).body.result.secret).not.toBe(ep.secret);
  });

  it('updates url, events and enabled, and deletes', async () => {
    const ep = (await create(a)).body.result;
    const r = await relay.api.patch(
      `${BASE}${ep.id}/`,
      { url: 'https://127.0.0.1:8443/other', events: ['order.status_changed'], enabled: false },
      { token: a.token },
    );
    expect(r.status).toBe(200);
    expect(r.body.result).toMatchObject({
      url: 'https://127.0.0.1:8443/other',
      events: ['order.status_changed'],
      enabled: false,
    });
    expect(r.body.result).not.toHaveProperty('secret');
    const del = await relay.api.delete(`${BASE}${ep.id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id: ep.id, deleted: true } });
    expect((await relay.api.get(`${BASE}${ep.id}/`, { token: a.token })).status).toBe(404);
  });

  it('rotates the secret: the new one is shown once and the old one is kept for 24 hours', async () => {
    const ep = (await create(a)).body.result;
    const r = await relay.api.post(`${BASE}${ep.id}/rotate_secret/`, undefined, { token: a.token });
    expect(r.status).toBe(200);
    expect(r.body.result.secret).toMatch(/^whsec_/);
    expect(r.body.result.secret).not.toBe(ep.secret);
    const until = Date.parse(r.body.result.previous_secret_until);
    expect(until - Date.now()).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    const stored = relay.db
      .prepare('SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?')
      .get(ep.id) as { secret: string; previous_secret: string };
    // Stored encrypted (relay/secrets), both the new secret and the one it replaced.
    expect(relay.db.secrets.open(stored.secret)).toBe(r.body.result.secret);
    expect(relay.db.secrets.open(stored.previous_secret)).toBe(ep.secret);
    const other = await relay.api.post(`${BASE}${ep.id}/rotate_secret/`, undefined, {
      token: b.token,
    });
    expect(other.status).toBe(404);
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const owner = await userWithShop(relay, 'Many');
    for (let i = 0; i < 103; i++)
      await relay.stores.webhooks.create({
        shop_id: owner.shop.id,
        url: `https://hooks.example/${i}`,
        events: ['lead.created'],
      });
    const first = await relay.api.get(`${BASE}?shop_id=${owner.shop.id}&limit=2`, {
      token: owner.token,
    });
    expect(first.body.result.count).toBe(103);
    expect(first.body.result.results).toHaveLength(2);
    expect(first.body.result.previous).toBeNull();
    const next = new URL(first.body.result.next);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      shop_id: String(owner.shop.id),
      limit: '2',
      offset: '2',
    });
    const second = await relay.api.get(first.body.result.next, { token: owner.token });
    expect(second.body.result.results[0].id).toBe(first.body.result.results[1].id + 1);
    expect(second.body.result.previous).not.toBeNull();
    const clamped = await relay.api.get(`${BASE}?shop_id=${owner.shop.id}&limit=500`, {
      token: owner.token,
    });
    expect(clamped.body.result.results).toHaveLength(100);
    const last = await relay.api.get(clamped.body.result.next, { token: owner.token });
    expect(last.body.result.results).toHaveLength(3);
  });

  it("never shows, changes or deletes another shop's endpoint, also with a secret key", async () => {
    const ofB = (await create(b)).body.result;
    const sk = (
      await relay.api.post(
        '/api/shop/keys/',
        { shop_id: a.shop.id, kind: 'secret' },
        { token: a.token },
      )
    ).body.result.key;
    for (const tokenA of [a.token, sk])
      await expectIsolated(relay.api, {
        base: BASE,
        tokenA,
        shopA: a.shop.id,
        shopB: b.shop.id,
        idOfB: ofB.id,
        patch: { enabled: false },
      });
    const still = await relay.api.get(`${BASE}${ofB.id}/`, { token: b.token });
    expect(still.body.result.enabled).toBe(true);
  });

  it('rejects bad input', async () => {
    const valid = { shop_id: a.shop.id, url: 'https://hooks.example/x', events: ['lead.created'] };
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: BASE,
      token: a.token,
      valid,
      required: ['url', 'events'],
    });
    const ep = (await create(a)).body.result;
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `${BASE}${ep.id}/`,
      token: a.token,
      valid: { url: 'https://hooks.example/y', events: ['order.created'], enabled: true },
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://hooks.example/x' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'javascript:alert(1)' }, 'url'],
      [{ events: [] }, 'events'],
      [{ events: ['lead.deleted'] }, 'events.0'],
      [{ events: ['lead.created', 'lead.created'] }, 'events'],
    ];
    for (const [body, field] of cases) {
      const r = await create(a, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors, JSON.stringify(body)).toHaveProperty([field]);
    }
  });
});

describe('webhook endpoint addresses (no TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE)', () => {
  let relay: Relay;
  let a: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay);
  });
  afterAll(() => relay.close());

  it('refuses loopback, private, link-local and mapped addresses on create and update', async () => {
    const refused = [
      'http://127.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/hook',
      'http://10.0.0.1/hook',
      'http://192.168.1.10/',
      'http://172.16.5.4/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://224.0.0.1/',
      'http://2130706433/', // 127.0.0.1 as one number
      'http://0x7f.1/', // and in hex
      'http://localhost:8787/',
    ];
    for (const url of refused) {
      const r = await relay.api.post(
        BASE,
        { shop_id: a.shop.id, url, events: ['lead.created'] },
        { token: a.token },
      );
      expect(r.status, url).toBe(400);
      expect(r.body.errors.url, url).toHaveLength(1);
    }
    expect(relay.db.prepare('SELECT count(*) AS n FROM webhook_endpoints').get()).toEqual({ n: 0 });

    const ep = await relay.stores.webhooks.create({
      shop_id: a.shop.id,
      url: 'https://8.8.8.8/hook',
      events: ['lead.created'],
    });
    const r = await relay.api.patch(
      `${BASE}${ep.id}/`,
      { url: 'http://169.254.169.254/' },
      { token: a.token },
    );
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveProperty('url');
    expect((await relay.stores.webhooks.get(ep.id))!.url).toBe('https://8.8.8.8/hook');
  });

  it('accepts a public address', async () => {
    const r = await relay.api.post(
      BASE,
      { shop_id: a.shop.id, url: 'https://1.1.1.1/hook', events: ['order.created'] },
      { token: a.token },
    );
    expect(r.status).toBe(201);
  });
});
