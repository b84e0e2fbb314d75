import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually } from '../webhooks/receiver.js';

/** A sample's value from the Prometheus text format, or undefined when absent. */
const sample = (text: string, name: string, labels: Record<string, string> = {}) => {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (want.every((w) => labelPart.split(',').includes(w))) return Number(line.split(' ').at(-1));
  }
  return undefined;
};

describe('GET /metrics', () => {
  let relay: Relay;
  let owner: Owner;
  beforeAll(async () => {
    relay = await startRelay({ demo: true });
    owner = await userWithShop(relay, 'Shop', { demo: true });
  });
  afterAll(() => relay.close());

  const scrape = async () => {
    const r = await relay.api.get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return r.text;
  };

  it('counts HTTP requests under the matched route pattern, never the raw URL', async () => {
    await relay.api.get(`/api/shop/shops/${owner.shop.id}/`, { token: owner.token });
    await relay.api.get('/api/shop/shops/987654/', { token: owner.token });
    await relay.api.get('/no/such/path/4711');
    const text = await scrape();
    expect(
      sample(text, 'touchpoint_http_requests_total', {
        method: 'GET',
        route: '/api/shop/shops/:id',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'touchpoint_http_requests_total', {
        method: 'GET',
        route: '/api/shop/shops/:id',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'touchpoint_http_requests_total', { route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    // No label carries a raw path (the ids alone could match a sample's digits by chance).
    expect(text).not.toContain('shops/987654');
    expect(text).not.toContain('/no/such/path');
    expect(text).toContain('touchpoint_http_request_duration_seconds_bucket');
  });

  it('reports the queue by status, deliveries by kind and outcome, and send latency', async () => {
    const bot = await relay.api.post(
      '/api/bot/bots/',
      { shop_id: owner.shop.id, bot_type: 'sandbox', name: 'Metrics' },
      { token: owner.token },
    );
    await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: owner.shop.id,
        type: 'telegram',
        bot_id: bot.body.result.id,
        chat_id: '-1',
        events: ['lead.created'],
      },
      { token: owner.token },
    );
    await relay.api.post(
      '/api/store/leads/',
      { shop_id: owner.shop.id, fields: { name: 'M' } },
      { token: owner.token },
    );
    const text = await eventually(async () => {
      const t = await scrape();
      // The attempt is counted when it ends; the row reads `sent` once the batch is recorded.
      const sent = sample(t, 'touchpoint_delivery_queue', { status: 'sent' }) ?? 0;
      return (
        (sample(t, 'touchpoint_deliveries_total', { kind: 'sandbox', outcome: 'sent' }) ?? 0) >=
          1 &&
        sent >= 1 &&
        t
      );
    });
    expect(
      sample(text, 'touchpoint_delivery_attempts_total', { kind: 'sandbox', outcome: 'sent' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'touchpoint_delivery_queue', { status: 'sent' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'touchpoint_delivery_queue', { status: 'dead' })).toBe(0);
    expect(
      sample(text, 'touchpoint_delivery_send_seconds_count', { kind: 'sandbox' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('keeps each relay’s figures to itself', async () => {
    const other = await startRelay();
    try {
      const r = await other.api.get('/metrics');
      expect(
        sample(r.text, 'touchpoint_http_requests_total', { route: '/api/shop/shops/:id' }),
      ).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
