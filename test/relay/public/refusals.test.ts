import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefusalLog, type Refusal } from '../../../relay/public/refusals.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from './fixtures.js';

describe('log of refused public requests', () => {
  let relay: Relay;
  let shop: WidgetShop;
  const EVIL = 'https://evil.example';
  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    shop = await widgetShop(relay);
  });
  afterAll(() => relay.close());

  it('writes one line per refusal with its status, sentence, origin, key hint and address', async () => {
    relay.logs.length = 0;
    expect((await postLead(relay, leadBody(shop.pk))).status).toBe(202);
    expect(relay.logs).toEqual([]); // accepted requests are not logged
    await postLead(relay, leadBody(shop.pk), { origin: EVIL });
    await relay.api.get('/public/v1/config?key=pk_revoked_or_never_was', {
      headers: { origin: ORIGIN },
    });
    await relay.api.get('/public/v1/conifg');
    const hint = `${shop.pk.slice(0, 7)}…${shop.pk.slice(-4)}`;
    expect(relay.logs).toEqual([
      `touchpoint: refused POST "/public/v1/leads" 403 "This website (${EVIL}) may not use this key: add its origin to the key’s allowed_origins." origin="${EVIL}" key="${hint}" ip=127.0.0.1`,
      `touchpoint: refused GET "/public/v1/config" 401 "This publishable key is not valid or was revoked." origin="${ORIGIN}" key="pk_revo…_was" ip=127.0.0.1`,
      `touchpoint: refused GET "/public/v1/conifg" 404 "Not found." ip=127.0.0.1`,
    ]);
  });

  it('never writes a secret key sent by mistake, and quotes what the client chose', async () => {
    relay.logs.length = 0;
    const secret = 'sk_live_0123456789abcdef';
    await relay.api.get(`/public/v1/config?key=${secret}`, {
      headers: { origin: 'https://a.example" key="pk_forged' },
    });
    expect(relay.logs).toHaveLength(1);
    expect(relay.logs[0]).not.toContain('0123456789abcdef');
    expect(relay.logs[0]).toContain('key=(not pk_…, not logged)');
    expect(relay.logs[0]).toContain('origin="https://a.example\\" key=\\"pk_forged"');
  });

  it('writes at most 10 lines a minute per status, so a flood cannot fill the log', async () => {
    const fresh = await startRelay({ publicRateLimit: 0 });
    try {
      const flood = await widgetShop(fresh);
      for (let i = 0; i < 25; i++)
        expect((await postLead(fresh, leadBody(flood.pk), { origin: EVIL })).status).toBe(403);
      await fresh.api.get('/public/v1/config?key=pk_unknown', { headers: { origin: ORIGIN } });
      expect(fresh.logs.filter((l) => l.includes(' 403 '))).toHaveLength(10);
      // Another kind of refusal has a cap of its own.
      expect(fresh.logs.filter((l) => l.includes(' 401 '))).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });
});

describe('refusal log window', () => {
  const refusal = (status: number): Refusal => ({
    status,
    method: 'POST',
    path: '/public/v1/leads',
    reason: 'No.',
    ip: '192.0.2.1',
  });

  it('sums up what it held back when the window ends, then logs again', async () => {
    const lines: string[] = [];
    const refused = createRefusalLog({ write: (l) => lines.push(l), perWindow: 2, windowMs: 300 });
    for (let i = 0; i < 5; i++) refused(refusal(403));
    refused(refusal(429));
    refused(refusal(429));
    refused(refusal(429));
    expect(lines).toHaveLength(4); // 2 × 403, 2 × 429
    await expect
      .poll(() => lines.at(-1), { timeout: 5_000 })
      .toBe(
        'touchpoint: 4 more refused public requests not logged in the last 0.3 s (3 × 403, 1 × 429)',
      );
    expect(lines).toHaveLength(5);
    refused(refusal(403));
    expect(lines).toHaveLength(6);
    expect(lines[5]).toContain(' 403 ');
  });
});
