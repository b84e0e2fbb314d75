import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormInput } from '../../../relay/forms/schemas.js';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

const callback = (name = 'callback') => ({
  name,
  fields: [
    { name: 'name', label: { en: 'Name', ru: 'Имя' }, type: 'text', required: true },
    { name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true },
    { name: 'topic', label: { en: 'Topic' }, type: 'select', options: ['Delivery', 'Returns'] },
    { name: 'agree', label: { en: 'I agree' }, type: 'checkbox', required: true },
  ],
  consent: { text: 'I agree to be called back.', version: 2 },
});

describe('lead forms', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
  });
  afterAll(() => relay.close());

  const post = (body: object, token = a.token) =>
    relay.api.post('/api/store/forms/', { shop_id: a.shop.id, ...body }, { token });

  it('creates a form with defaults filled in, reads, updates and deletes it', async () => {
    const created = await post(callback('crud'));
    expect(created.status).toBe(201);
    const form = created.body.result;
    expect(form).toMatchObject({
      shop_id: a.shop.id,
      name: 'crud',
      min_fill_ms: 1500,
      consent: { text: 'I agree to be called back.', version: '2' },
    });
    expect(form.fields).toEqual([
      {
        name: 'name',
        label: { en: 'Name', ru: 'Имя' },
        type: 'text',
        required: true,
        max_length: 200,
      },
      { name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true, max_length: 32 },
      {
        name: 'topic',
        label: { en: 'Topic' },
        type: 'select',
        required: false,
        max_length: null,
        options: [
          { value: 'Delivery', label: { en: 'Delivery' } },
          { value: 'Returns', label: { en: 'Returns' } },
        ],
      },
      {
        name: 'agree',
        label: { en: 'I agree' },
        type: 'checkbox',
        required: true,
        max_length: null,
      },
    ]);

    const read = await relay.api.get(`/api/store/forms/${form.id}/`, { token: a.token });
    expect(read.body.result).toEqual(form);

    const patched = await relay.api.patch(
      `/api/store/forms/${form.id}/`,
      {
        name: 'crud-2',
        fields: [{ name: 'message', label: { en: 'Message' }, type: 'textarea' }],
        consent: null,
        min_fill_ms: 0,
      },
      { token: a.token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({ name: 'crud-2', consent: null, min_fill_ms: 0 });
    expect(patched.body.result.fields).toEqual([
      {
        name: 'message',
        label: { en: 'Message' },
        type: 'textarea',
        required: false,
        max_length: 2000,
      },
    ]);
    const renamedOnly = await relay.api.patch(
      `/api/store/forms/${form.id}`,
      { min_fill_ms: 3000 },
      { token: a.token },
    );
    expect(renamedOnly.body.result).toMatchObject({ name: 'crud-2', min_fill_ms: 3000 });
    expect(renamedOnly.body.result.fields).toHaveLength(1);

    const del = await relay.api.delete(`/api/store/forms/${form.id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id: form.id, deleted: true } });
    expect((await relay.api.get(`/api/store/forms/${form.id}/`, { token: a.token })).status).toBe(
      404,
    );
  });

  it('refuses a second form with the same name in a shop, with a field error', async () => {
    expect((await post(callback('dup'))).status).toBe(201);
    const again = await post(callback('dup'));
    expect(again.status).toBe(409);
    expect(again.body.errors.name).toEqual(['Another form of this shop has this name.']);
    const other = await relay.api.post(
      '/api/store/forms/',
      { shop_id: b.shop.id, ...callback('dup') },
      { token: b.token },
    );
    expect(other.status).toBe(201);

    const second = await post(callback('dup-2'));
    const rename = await relay.api.patch(
      `/api/store/forms/${second.body.result.id}/`,
      { name: 'dup' },
      { token: a.token },
    );
    expect(rename.status).toBe(409);
    expect(rename.body.errors).toHaveProperty('name');
    const same = await relay.api.patch(
      `/api/store/forms/${second.body.result.id}/`,
      { name: 'dup-2' },
      { token: a.token },
    );
    expect(same.status).toBe(200);
  });

  it('names each invalid part of a field definition', async () => {
    const field = { name: 'x', label: { en: 'X' }, type: 'text' };
    const cases: [object, string][] = [
      [{ name: 'Callback' }, 'name'],
      [{ name: '-callback' }, 'name'],
      [{ name: 'a'.repeat(65) }, 'name'],
      [{ fields: [field, { ...field }] }, 'fields.1.name'],
      [{ fields: [{ ...field, name: '1st' }] }, 'fields.0.name'],
      [{ fields: [{ ...field, label: { ru: 'Икс' } }] }, 'fields.0.label.en'],
      [{ fields: [{ ...field, type: 'date' }] }, 'fields.0.type'],
      [{ fields: [{ ...field, type: 'select' }] }, 'fields.0.options'],
      [{ fields: [{ ...field, type: 'select', options: [] }] }, 'fields.0.options'],
      [{ fields: [{ ...field, type: 'select', options: ['a', 'a'] }] }, 'fields.0.options.1.value'],
      [{ fields: [{ ...field, options: ['a'] }] }, 'fields.0.options'],
      [{ fields: [{ ...field, max_length: 5001 }] }, 'fields.0.max_length'],
      [{ fields: [{ ...field, type: 'checkbox', max_length: 10 }] }, 'fields.0.max_length'],
      [{ fields: Array.from({ length: 31 }, (_, i) => ({ ...field, name: `f${i}` })) }, 'fields'],
      [{ fields: [] }, 'fields'],
      [{ min_fill_ms: 600_001 }, 'min_fill_ms'],
      [{ min_fill_ms: -1 }, 'min_fill_ms'],
      [{ consent: { version: '1' } }, 'consent.text'],
    ];
    for (const [change, key] of cases) {
      const r = await post({ name: 'bad', fields: [field], ...change });
      expect(r.status, JSON.stringify(change)).toBe(400);
      expect(Object.keys(r.body.errors), JSON.stringify(change)).toContain(key);
    }
    const thirty = Array.from({ length: 30 }, (_, i) => ({ ...field, name: `f${i}` }));
    expect((await post({ name: 'thirty', fields: thirty })).status).toBe(201);
    const objects = await post({
      name: 'objects',
      fields: [
        {
          ...field,
          type: 'select',
          options: [{ value: 'm', label: { en: 'Morning', ru: 'Утро' } }],
        },
      ],
    });
    expect(objects.body.result.fields[0].options).toEqual([
      { value: 'm', label: { en: 'Morning', ru: 'Утро' } },
    ]);
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const many = await userWithShop(relay, 'Many');
    for (let i = 0; i < 105; i++)
      await relay.stores.forms.create(many.shop.id, FormInput.parse(callback(`f${i}`)));
    const base = `/api/store/forms/?shop_id=${many.shop.id}`;
    const first = await relay.api.get(`${base}&limit=2`, { token: many.token });
    expect(first.body.result.count).toBe(105);
    expect(first.body.result.results.map((f: { name: string }) => f.name)).toEqual(['f0', 'f1']);
    expect(first.body.result.previous).toBeNull();
    const next = new URL(first.body.result.next);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      shop_id: String(many.shop.id),
      limit: '2',
      offset: '2',
    });
    const second = await relay.api.get(first.body.result.next, { token: many.token });
    expect(second.body.result.results[0].name).toBe('f2');
    expect(new URL(second.body.result.previous).searchParams.get('offset')).toBeNull();

    const clamped = await relay.api.get(`${base}&limit=500`, { token: many.token });
    expect(clamped.body.result.results).toHaveLength(100);
    const last = await relay.api.get(clamped.body.result.next, { token: many.token });
    expect(last.body.result.results).toHaveLength(5);
    expect(last.body.result.next).toBeNull();
  });

  it("never shows, changes or deletes another shop's form, with a token or a secret key", async () => {
    const formB = await relay.api.post(
      '/api/store/forms/',
      { shop_id: b.shop.id, ...callback('private') },
      { token: b.token },
    );
    const isolation = {
      base: '/api/store/forms/',
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: formB.body.result.id,
      patch: { name: 'stolen' },
    };
    await expectIsolated(relay.api, { ...isolation, tokenA: a.token });
    const sk = (await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' })).key;
    await expectIsolated(relay.api, { ...isolation, tokenA: sk });
    expect((await relay.stores.forms.get(formB.body.result.id))!.name).toBe('private');

    const bySecretKey = await relay.api.post('/api/store/forms/', callback('by-key'), {
      token: sk,
    });
    expect(bySecretKey.status).toBe(201);
    expect(bySecretKey.body.result.shop_id).toBe(a.shop.id);
    expect((await relay.api.get('/api/store/forms/', { token: a.token })).status).toBe(400);
  });

  it('rejects bad input', async () => {
    const valid = { shop_id: a.shop.id, ...callback('bad-input'), min_fill_ms: 1500 };
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/store/forms/',
      token: a.token,
      valid,
      required: ['name', 'fields'],
    });
    const form = await post(callback('patch-me'));
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/store/forms/${form.body.result.id}/`,
      token: a.token,
      valid: { name: 'patch-me', fields: valid.fields, consent: valid.consent, min_fill_ms: 100 },
    });
  });
});
