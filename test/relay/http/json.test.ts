import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsTooDeep } from '../../../relay/http/json.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, ORIGIN, widgetShop } from '../public/fixtures.js';

/** `levels` nested arrays around an empty one, as JSON text: `[[[…]]]`. */
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('deeply nested JSON bodies', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
  });
  afterAll(() => relay.close());

  const send = (method: string, path: string, text: string, headers: Record<string, string>) =>
    relay.api.call(method, path, text, {
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('answers a public lead nested 25,000 levels deep with 400, before hashing or storing it', async () => {
    const shop = await widgetShop(relay);
    const before = counts(relay);
    // Inside the 64 KiB public limit; submission_id makes the relay hash the submission.
    const text = JSON.stringify(leadBody(shop.pk)).replace('"Ann"', nested(25_000));
    const r = await send('POST', '/public/v1/leads', text, { origin: ORIGIN });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      status: 'error',
      errors: { common: `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.` },
    });
    expect(counts(relay)).toEqual(before);
  });

  it('answers management writes nested too deeply with 400 and changes nothing', async () => {
    const owner = await userWithShop(relay);
    const token = `Bearer ${owner.token}`;
    const path = `/api/shop/shops/${owner.shop.id}/`;
    const deep = `{"settings":{"deep":${nested(100_000)}}}`;
    const r = await send('PATCH', path, deep, { authorization: token });
    expect(r.status).toBe(400);
    expect(r.body.errors.common).toMatch(/nests deeper than/);
    const created = await send(
      'POST',
      '/api/shop/shops/',
      `{"name":"Deep","settings":{"x":${nested(100_000)}}}`,
      {
        authorization: token,
      },
    );
    expect(created.status).toBe(400);
    expect((await relay.api.get(path, { token: owner.token })).body.result.settings).toEqual({});

    // The limit counts every level of the body: settings at 32 levels in all is fine.
    const atLimit = `{"settings":{"deep":${nested(MAX_JSON_DEPTH - 2)}}}`;
    const ok = await send('PATCH', path, atLimit, { authorization: token });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const over = `{"settings":{"deep":${nested(MAX_JSON_DEPTH - 1)}}}`;
    expect((await send('PATCH', path, over, { authorization: token })).status).toBe(400);
  });

  it('counts brackets inside strings as text, not nesting', () => {
    expect(nestsTooDeep(JSON.stringify({ note: '['.repeat(1000) }))).toBe(false);
    expect(nestsTooDeep(JSON.stringify({ note: 'a\\"[[[', more: '"' }))).toBe(false);
    expect(nestsTooDeep(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsTooDeep(nested(MAX_JSON_DEPTH + 1))).toBe(true);
  });
});
