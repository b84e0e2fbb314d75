import { lookup as dnsLookup } from 'node:dns';
import http, { type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Lookup } from '../../../relay/http/outbound.js';
import { clearPublicCaches } from '../../../relay/public/cache.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, postLead, widgetShop } from '../public/fixtures.js';

const PUBLIC = '93.184.216.34';

/**
 * A resolver with a DNS rebinding attacker's name in it: `name` answers a public address
 * the first time it is asked and 127.0.0.1 from then on. Every other name resolves as usual.
 */
function rebinding(name: string) {
  const asked: string[] = [];
  const lookup: Lookup = (hostname, options, callback) => {
    if (hostname !== name) return dnsLookup(hostname, options, callback as never);
    const address = asked.push(hostname) === 1 ? PUBLIC : '127.0.0.1';
    if (options.all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  };
  return { lookup, asked };
}

/** What the attacker wants to reach: a service on the relay's loopback that says yes to all. */
async function internalService() {
  const hits: string[] = [];
  const sockets: Socket[] = [];
  const server: Server = http.createServer((req, res) => {
    hits.push(req.url!);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"success":true}');
  });
  server.on('connection', (s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    sockets,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('DNS rebinding against shop-supplied URLs', () => {
  let service: Awaited<ReturnType<typeof internalService>>;
  beforeAll(async () => {
    service = await internalService();
  });
  afterAll(() => service.close());

  it('refuses at connect time a captcha verify_url that resolved to a public address when it was saved', async () => {
    const dns = rebinding('verify.rebind.test');
    const relay = await startRelay({ publicRateLimit: 0 }, { outbound: { lookup: dns.lookup } });
    try {
      const shop = await widgetShop(relay);
      const verify_url = `http://verify.rebind.test:${service.port}/siteverify`;
      const saved = await relay.api.patch(
        `/api/shop/shops/${shop.shopId}/`,
        { settings: { captcha: { provider: 'turnstile', secret: 's3cret', verify_url } } },
        { token: shop.token },
      );
      expect(saved.status, JSON.stringify(saved.body)).toBe(200); // public at save time
      clearPublicCaches();
      const before = counts(relay);

      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const r = await postLead(relay, leadBody(shop.pk, { captcha_token: 'any-token' }));
      const logged = warn.mock.calls.map(([line]) => line);
      warn.mockRestore();
      expect(logged).toEqual([
        `captcha: verification through verify.rebind.test:${service.port} failed: verify.rebind.test resolves to 127.0.0.1, a private, loopback or reserved address.`,
      ]);
      expect(dns.asked.length).toBe(2); // saving, then connecting
      expect(r.status).toBe(400);
      expect(r.body.errors.captcha_token).toEqual(['The captcha check failed. Try again.']);
      expect(service.hits).toEqual([]);
      expect(counts(relay)).toEqual(before);
    } finally {
      await relay.close();
      clearPublicCaches();
    }
  });

  it('refuses at connect time a webhook URL that resolved to a public address when it was saved', async () => {
    const dns = rebinding('hook.rebind.test');
    const relay = await startRelay({}, { outbound: { lookup: dns.lookup } });
    try {
      const owner = await userWithShop(relay);
      const created = await relay.api.post(
        '/api/webhooks/endpoints/',
        {
          shop_id: owner.shop.id,
          url: `http://hook.rebind.test:${service.port}/hook`,
          events: ['lead.created'],
        },
        { token: owner.token },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await relay.api.post(
        '/api/store/leads/',
        { shop_id: owner.shop.id, fields: { name: 'Mallory' } },
        { token: owner.token },
      );
      await relay.worker.drained();
      const rows = relay.db
        .prepare('SELECT status, attempts, last_error FROM deliveries WHERE endpoint_id = ?')
        .all(created.body.result.id);
      expect(dns.asked.length).toBe(2);
      expect(rows).toEqual([
        {
          status: 'dead',
          attempts: 1,
          last_error:
            'Refused: hook.rebind.test resolves to 127.0.0.1, a private, loopback or reserved address.',
        },
      ]);
      expect(service.hits).toEqual([]);
    } finally {
      await relay.close();
    }
  });

  it('refuses to save a verify_url or webhook URL that is the literal ::ffff:127.0.0.1', async () => {
    const relay = await startRelay();
    try {
      const owner = await userWithShop(relay);
      const url = `http://[::ffff:127.0.0.1]:${service.port}/x`;
      const settings = await relay.api.patch(
        `/api/shop/shops/${owner.shop.id}/`,
        { settings: { captcha: { provider: 'hcaptcha', secret: 's', verify_url: url } } },
        { token: owner.token },
      );
      expect(settings.status).toBe(400);
      expect(settings.body.errors['settings.captcha.verify_url']).toEqual([
        '::ffff:7f00:1 is a private, loopback or reserved address.',
      ]);
      const hook = await relay.api.post(
        '/api/webhooks/endpoints/',
        { shop_id: owner.shop.id, url, events: ['lead.created'] },
        { token: owner.token },
      );
      expect(hook.status).toBe(400);
      expect(service.sockets).toHaveLength(0);
    } finally {
      await relay.close();
    }
  });
});
