import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, ORIGIN, widgetShop, type WidgetShop } from './fixtures.js';

/** mulberry32: a small seeded generator, so that a failing case can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20260131);
const CASES = 1200;

describe('public API under random and malformed input', () => {
  let relay: Relay;
  let shop: WidgetShop;
  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    shop = await widgetShop(relay);
    await relay.stores.bots.create({
      shop_id: shop.shopId,
      bot_type: 'telegram',
      name: 'Bot',
      credential: null,
      tg_bot_nickname: 'fuzz_bot',
    });
  });
  afterAll(() => relay.close());

  it(`answers ${CASES} hostile requests without a 5xx and stores only what it accepts`, async () => {
    const random = rng(SEED);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
    const strings = [
      '',
      ' ',
      'a'.repeat(5001),
      '\u0000',
      '\ud800',
      '<script>alert(1)</script>',
      "'; DROP TABLE leads; --",
      '__proto__',
      'constructor',
      '+7 912 345-67-89',
      '8 800 555 35 35',
      'ann@example.com',
      'sales',
      'true',
      'on',
      '😀'.repeat(300),
      '%00',
      '{"a":1}',
      shop.pk,
      'pk_' + 'x'.repeat(300),
      'sk_live',
    ];
    const value = (depth = 0): unknown => {
      switch (int(depth > 2 ? 6 : 9)) {
        case 0:
          return pick(strings);
        case 1:
          return pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 1500]);
        case 2:
          return pick([true, false]);
        case 3:
          return null;
        case 4:
          return String.fromCharCode(...Array.from({ length: int(40) }, () => int(0x3000)));
        case 5:
          return pick(strings).repeat(int(3));
        case 6:
          return Array.from({ length: int(4) }, () => value(depth + 1));
        case 7:
          return Object.fromEntries(
            Array.from({ length: int(5) }, () => [
              pick([...strings, 'name', 'phone', 'version']),
              value(depth + 1),
            ]),
          );
        default:
          return { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } };
      }
    };
    /** A valid body with one to three members replaced, removed or added. */
    const mutated = (base: Record<string, unknown>) => {
      const body: Record<string, unknown> = { ...base };
      for (let i = 0, n = 1 + int(3); i < n; i++) {
        const keys = Object.keys(body);
        const k = random() < 0.8 && keys.length ? pick(keys) : pick(strings);
        if (random() < 0.2) delete body[k];
        else if (k === 'fields' && random() < 0.7)
          body.fields = {
            ...(body.fields as object),
            [pick(['name', 'phone', 'email', 'topic', 'news', 'x'])]: value(),
          };
        else body[k] = value();
      }
      return body;
    };
    const rawBodies = [
      '',
      '{',
      '[]',
      'null',
      '"x"',
      '1e999',
      '{"key":',
      '\u0000\u0001',
      '{"a":'.repeat(2000),
      '['.repeat(5000),
      '{"key":"' + shop.pk + '","form":"callback","fields":{}}',
    ];
    const contentTypes = [
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/vnd.api+json',
      '',
    ];

    /** Any value as a URL component; a lone surrogate cannot be encoded, so it goes raw. */
    const uri = (v: unknown) => {
      try {
        return encodeURIComponent(String(v));
      } catch {
        return '%ED%A0%80';
      }
    };
    /** Header values must be visible ASCII; anything else is sent as "?". */
    const header = (v: unknown) => String(v).replace(/[^\x20-\x7e]/g, '?');

    const before = await counts(relay);
    let leadsAccepted = 0;
    let optinsAccepted = 0;
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const send = async (i: number) => {
      const kind = int(10);
      let path = '/public/v1/leads';
      let method = 'POST';
      let body: string | undefined;
      const headers: Record<string, string> = {};
      if (random() < 0.85) headers.origin = random() < 0.9 ? ORIGIN : 'https://evil.example';
      if (kind < 5) {
        body = JSON.stringify(random() < 0.7 ? mutated(leadBody(shop.pk)) : value());
        headers['content-type'] = random() < 0.9 ? 'application/json' : pick(contentTypes);
      } else if (kind < 7) {
        path = '/public/v1/optins';
        body = JSON.stringify(mutated({ key: shop.pk, bot_id: 1, visitor_id: 'v' }));
        headers['content-type'] = 'application/json';
      } else if (kind === 7) {
        body = pick(rawBodies);
        path = pick(['/public/v1/leads', '/public/v1/optins']);
        const type = pick(contentTypes);
        if (type) headers['content-type'] = type;
      } else if (kind === 8) {
        path = `/public/v1/forms/${random() < 0.8 ? shop.pk : uri(value())}`;
        const form = new URLSearchParams();
        for (const [k, v] of Object.entries(
          mutated({ form: 'callback', name: 'Ann', phone: '+79123456789', consent: 'on' }),
        ))
          form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
        body = form.toString();
        headers['content-type'] = pick([
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=zz',
          'text/plain',
        ]);
      } else {
        method = pick(['GET', 'OPTIONS', 'PUT', 'DELETE']);
        path = pick([
          `/public/v1/config?key=${uri(value())}`,
          `/public/v1/config?key=${shop.pk}&key=${shop.pk}`,
          '/public/v1/leads',
          `/public/v1/forms/${shop.pk}`,
          '/public/v1/thanks',
          '/public/v1/%ff',
        ]);
        if (random() < 0.3) headers['if-none-match'] = header(value());
        if (random() < 0.3) headers['access-control-request-method'] = 'POST';
      }
      if (random() < 0.1) headers['idempotency-key'] = header(value()).slice(0, 200);
      if (random() < 0.1) headers['x-touchpoint-key'] = header(pick(strings));
      const res = await fetch(new URL(path, relay.url), {
        method,
        headers,
        body: method === 'GET' || method === 'OPTIONS' ? undefined : body,
        redirect: 'manual',
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500)
        failures.push(`case ${i}: ${res.status} ${method} ${path} ${body?.slice(0, 200)}`);
      if (
        method === 'POST' &&
        path === '/public/v1/leads' &&
        res.status === 202 &&
        res.headers.get('idempotent-replayed') !== 'true'
      )
        leadsAccepted++;
      if (method === 'POST' && path.startsWith('/public/v1/forms/') && res.status === 303)
        leadsAccepted++;
      if (method === 'POST' && path === '/public/v1/optins' && res.status === 201) optinsAccepted++;
    };

    const queue = Array.from({ length: CASES }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) await send(i);
      }),
    );

    expect(failures, `seed ${SEED}`).toEqual([]);
    if (process.env.FUZZ_DEBUG)
      console.log(SEED, [...statuses].sort(), leadsAccepted, optinsAccepted);
    // The mix exercised both paths: accepted writes and refusals of many kinds.
    expect(leadsAccepted + optinsAccepted).toBeGreaterThan(20);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(5);
    expect((await relay.api.get('/healthz')).status).toBe(200);
    const after = await counts(relay);
    expect(after.leads - before.leads, `seed ${SEED}`).toBe(leadsAccepted);
    expect(after.optins - before.optins, `seed ${SEED}`).toBe(optinsAccepted);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);
});
