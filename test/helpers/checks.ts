import { expect } from 'vitest';
import type { Client } from './relay.js';

/**
 * Shop isolation for one resource: with shop A's token, shop B's object (`idOfB`) is
 * "not found" on read, update and delete, whatever shop_id is claimed, and A's lists
 * never contain it. Asking for B's list is 404 too.
 */
export async function expectIsolated(
  api: Client,
  opts: {
    base: string; // e.g. '/api/store/leads/'
    tokenA: string;
    shopA: number;
    shopB: number;
    idOfB: number;
    patch?: unknown;
    deletable?: boolean;
    readable?: boolean;
    listQuery?: string;
    /** False for lists that are not per shop (the shops list itself). */
    listScoped?: boolean;
  },
) {
  const { base, tokenA: token, shopA, shopB, idOfB } = opts;
  const q = opts.listQuery ? `&${opts.listQuery}` : '';
  const detail = `${base}${idOfB}/`;
  if (opts.readable !== false) {
    for (const suffix of ['', `?shop_id=${shopA}`, `?shop_id=${shopB}`]) {
      const r = await api.get(detail + suffix, { token });
      expect(r.status, `GET ${detail}${suffix}`).toBe(404);
      expect(r.body.status).toBe('error');
    }
  }
  if (opts.patch !== undefined) {
    const r = await api.patch(`${detail}?shop_id=${shopA}`, opts.patch, { token });
    expect(r.status, `PATCH ${detail}`).toBe(404);
    const r2 = await api.patch(detail, opts.patch, { token });
    expect(r2.status, `PATCH ${detail} (no shop_id)`).toBe(404);
  }
  if (opts.deletable !== false) {
    const r = await api.delete(detail, { token });
    expect(r.status, `DELETE ${detail}`).toBe(404);
  }
  if (opts.listScoped !== false) {
    const foreign = await api.get(`${base}?shop_id=${shopB}${q}`, { token });
    expect(foreign.status, `GET ${base}?shop_id=B`).toBe(404);
  }
  const own = await api.get(`${base}?shop_id=${shopA}&limit=100${q}`, { token });
  expect(own.status, `GET ${base}?shop_id=A`).toBe(200);
  expect(own.body.result.results.map((r: { id: number }) => r.id)).not.toContain(idOfB);
}

/**
 * Bad input on one write endpoint: malformed JSON, wrong types, missing fields, an unknown
 * shop, a 1 MiB body and a wrong content type all answer 4xx in the error envelope, and the
 * server keeps serving.
 */
export async function expectRejectsBadInput(
  api: Client,
  opts: {
    method: 'POST' | 'PATCH';
    path: string;
    token: string;
    valid: Record<string, unknown>; // a body that would be accepted
    required?: string[]; // fields that must be named when missing
    shopScoped?: boolean; // the body takes shop_id (default true for POST)
  },
) {
  const { method, path, token, valid } = opts;
  const send = (body: unknown, headers?: Record<string, string>) =>
    api.call(method, path, body, { token, headers });
  const envelope = (r: { status: number; body: any }, status: number, what: string) => {
    expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(status);
    expect(r.body?.status, what).toBe('error');
    expect(typeof r.body?.errors?.common, what).toBe('string');
  };

  envelope(await send('{"oops": ', { 'content-type': 'application/json' }), 400, 'malformed JSON');
  envelope(await send('[1,2,3]', { 'content-type': 'application/json' }), 400, 'a JSON array');
  envelope(
    await send(JSON.stringify(valid), { 'content-type': 'text/plain' }),
    415,
    'wrong content type',
  );
  envelope(
    await send(JSON.stringify(valid), { 'content-type': 'application/x-www-form-urlencoded' }),
    415,
    'form content type',
  );
  const huge = JSON.stringify({ ...valid, padding: 'x'.repeat(1024 * 1024) });
  envelope(await send(huge, { 'content-type': 'application/json' }), 413, '1 MiB body');

  for (const [field, value] of Object.entries(valid)) {
    if (field === 'shop_id') continue;
    const wrong =
      typeof value === 'string'
        ? { nested: true }
        : typeof value === 'number'
          ? 'not a number'
          : 12345;
    const r = await send({ ...valid, [field]: wrong });
    if (r.status === 200 || r.status === 201) continue; // a field that accepts several types
    envelope(r, 400, `wrong type for ${field}`);
    expect(
      Object.keys(r.body.errors).some((k) => k === field || k.startsWith(`${field}.`)),
      `${field} named`,
    ).toBe(true);
  }
  if (opts.required?.length) {
    const r = await send(opts.shopScoped === false ? {} : { shop_id: valid.shop_id });
    envelope(r, 400, 'missing fields');
    for (const field of opts.required)
      expect(r.body.errors, `missing ${field}`).toHaveProperty(field);
  }
  if (opts.shopScoped ?? method === 'POST') {
    const r = await send({ ...valid, shop_id: 987654321 });
    expect([400, 404], 'unknown shop_id').toContain(r.status);
    expect(r.body.status).toBe('error');
    const r2 = await send({ ...valid, shop_id: 'abc' });
    envelope(r2, 400, 'shop_id of a wrong type');
  }
  const health = await api.get('/healthz');
  expect(health.status).toBe(200);
}
