import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormInput } from '../../../relay/forms/schemas.js';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { sql } from '../../../relay/db/sql.js';

describe('leads', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let formA: number;
  let formB: number;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    await relay.stores.shops.update(a.shop.id, { settings: { default_country: 'ru' } });
    const callback = FormInput.parse({
      name: 'callback',
      fields: [
        { name: 'name', label: { en: 'Name' }, type: 'text', required: true },
        { name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true },
        { name: 'email', label: { en: 'Email' }, type: 'email' },
      ],
    });
    formA = (await relay.stores.forms.create(a.shop.id, callback)).id;
    formB = (await relay.stores.forms.create(b.shop.id, callback)).id;
  });
  afterAll(() => relay.close());

  /** A subscriber of the shop's web bot; the bot users API is another resource's. */
  const botUser = async (shopId: number) => {
    const bot = (await relay.db.get(
      sql(`INSERT INTO bots (shop_id, bot_type, name) VALUES (?, 'web', 'Web') RETURNING id`),
      [shopId],
    )) as { id: number };
    const user = (await relay.db.get(
      sql(
        `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id) VALUES (?, ?, ?) RETURNING id`,
      ),
      [shopId, bot.id, `visitor-${bot.id}`],
    )) as { id: number };
    return user.id;
  };
  const post = (body: object, token = a.token) =>
    relay.api.post('/api/store/leads/', { shop_id: a.shop.id, ...body }, { token });

  it('stores a lead for a form named by name, with its phone in E.164', async () => {
    const created = await post({
      form: 'callback',
      fields: { name: ' Ann ', phone: '8 (912) 345-67-89' },
    });
    expect(created.status).toBe(201);
    const lead = created.body.result;
    expect(lead).toEqual({
      id: expect.any(Number),
      shop_id: a.shop.id,
      form: formA,
      form_name: 'callback',
      fields: { name: 'Ann', phone: '+79123456789' },
      bot_user_id: null,
      status: 'new',
      spam: false,
      source: 'api',
      page: null,
      utm: null,
      consent: null,
      visitor_id: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: lead.created_at,
    });
    const read = await relay.api.get(`/api/store/leads/${lead.id}/`, { token: a.token });
    expect(read.body.result).toEqual(lead);

    const byId = await post({ form: formA, fields: { name: 'Bob', phone: '+1 202 555 0143' } });
    expect(byId.body.result).toMatchObject({ form: formA, fields: { phone: '+12025550143' } });
  });

  it('names invalid lead fields as fields.<name>', async () => {
    const r = await post({
      form: 'callback',
      fields: { phone: 'not a phone', email: 'nope', colour: 'red' },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toMatchObject({
      'fields.name': ['This field is required.'],
      'fields.phone': ['Enter a valid phone number.'],
      'fields.email': ['Enter a valid email.'],
      'fields.colour': ['This form has no such field.'],
    });
  });

  it('keeps free fields as given when the lead has no form', async () => {
    const r = await post({ fields: { anything: 'goes', count: 3, ok: true, none: null } });
    expect(r.status).toBe(201);
    expect(r.body.result).toMatchObject({
      form: null,
      form_name: null,
      fields: { anything: 'goes', count: 3, ok: true, none: null },
    });
  });

  it("refuses another shop's form and bot user as field errors", async () => {
    const foreignForm = await post({ form: formB, fields: { name: 'x', phone: '+79123456789' } });
    expect(foreignForm.status).toBe(400);
    expect(foreignForm.body.errors.form).toEqual(['No such form in this shop.']);
    expect((await post({ form: 'nope', fields: {} })).body.errors).toHaveProperty('form');

    const foreignUser = await post({ fields: {}, bot_user_id: await botUser(b.shop.id) });
    expect(foreignUser.status).toBe(400);
    expect(foreignUser.body.errors.bot_user_id).toEqual(['No such bot user in this shop.']);
    expect((await post({ fields: {}, bot_user_id: 99999 })).body.errors).toHaveProperty(
      'bot_user_id',
    );
  });

  it('hides spam from lists unless spam=true, and filters by status, form and bot user', async () => {
    const shop = await userWithShop(relay, 'Filters');
    const form = (
      await relay.stores.forms.create(
        shop.shop.id,
        FormInput.parse({ name: 'f', fields: [{ name: 'n', label: { en: 'N' }, type: 'text' }] }),
      )
    ).id;
    const subscriber = await botUser(shop.shop.id);
    const make = (body: object) =>
      post({ shop_id: shop.shop.id, fields: {}, ...body }, shop.token).then(
        (r) => r.body.result.id,
      );
    const plain = await make({});
    const spam = await make({ spam: true });
    const done = await make({ status: 'done', form, fields: { n: 'x' } });
    const linked = await make({ bot_user_id: subscriber, status: 'in_progress' });

    const ids = async (query = '') =>
      (
        await relay.api.get(`/api/store/leads/?shop_id=${shop.shop.id}${query}`, {
          token: shop.token,
        })
      ).body.result.results.map((l: { id: number }) => l.id);
    expect(await ids()).toEqual([linked, done, plain]);
    expect(await ids('&spam=false')).toEqual([linked, done, plain]);
    expect(await ids('&spam=true')).toEqual([spam]);
    expect(await ids('&status=done')).toEqual([done]);
    expect(await ids(`&form=${form}`)).toEqual([done]);
    expect(await ids(`&bot_user_id=${subscriber}`)).toEqual([linked]);
    const bad = await relay.api.get(`/api/store/leads/?shop_id=${shop.shop.id}&status=lost`, {
      token: shop.token,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveProperty('status');

    const unspam = await relay.api.patch(
      `/api/store/leads/${spam}/`,
      { spam: false },
      { token: shop.token },
    );
    expect(unspam.body.result.spam).toBe(false);
    expect(await ids()).toEqual([linked, done, spam, plain]);
  });

  it('updates status, bot user and fields, validating fields against the form again', async () => {
    const lead = (await post({ form: 'callback', fields: { name: 'Ann', phone: '+79123456789' } }))
      .body.result;
    const path = `/api/store/leads/${lead.id}/`;
    const subscriber = await botUser(a.shop.id);
    const patched = await relay.api.patch(
      path,
      { status: 'in_progress', bot_user_id: subscriber },
      { token: a.token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({
      status: 'in_progress',
      bot_user_id: subscriber,
      fields: lead.fields,
      form: formA,
    });
    expect(patched.body.result.updated_at >= lead.updated_at).toBe(true);

    const invalid = await relay.api.patch(path, { fields: { name: 'Ann' } }, { token: a.token });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toHaveProperty(['fields.phone']);

    const refilled = await relay.api.patch(
      path,
      { fields: { name: 'Ann', phone: '8 912 000 00 00' } },
      { token: a.token },
    );
    expect(refilled.body.result.fields).toEqual({ name: 'Ann', phone: '+79120000000' });

    const detached = await relay.api.patch(
      path,
      { form: null, fields: { free: 'text' }, bot_user_id: null },
      { token: a.token },
    );
    expect(detached.body.result).toMatchObject({
      form: null,
      form_name: null,
      fields: { free: 'text' },
      bot_user_id: null,
    });
    const foreign = await relay.api.patch(
      path,
      { bot_user_id: await botUser(b.shop.id) },
      { token: a.token },
    );
    expect(foreign.body.errors).toHaveProperty('bot_user_id');
  });

  it('deletes a lead', async () => {
    const id = (await post({ fields: {} })).body.result.id;
    const del = await relay.api.delete(`/api/store/leads/${id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id, deleted: true } });
    expect((await relay.api.get(`/api/store/leads/${id}/`, { token: a.token })).status).toBe(404);
  });

  it('paginates newest first with absolute next/previous URLs and clamps limit to 100', async () => {
    const many = await userWithShop(relay, 'Many');
    for (let i = 0; i < 105; i++)
      await relay.stores.leads.create({ shop_id: many.shop.id, fields: { i } });
    const base = `/api/store/leads/?shop_id=${many.shop.id}&status=new`;
    const first = await relay.api.get(`${base}&limit=2`, { token: many.token });
    expect(first.body.result.count).toBe(105);
    const [newest, second] = first.body.result.results;
    expect(newest.fields).toEqual({ i: 104 });
    expect(second.id).toBe(newest.id - 1);
    expect(first.body.result.previous).toBeNull();
    const next = new URL(first.body.result.next);
    expect(Object.fromEntries(next.searchParams)).toMatchObject({ status: 'new', offset: '2' });
    const page2 = await relay.api.get(first.body.result.next, { token: many.token });
    expect(page2.body.result.results[0].id).toBe(second.id - 1);
    expect(new URL(page2.body.result.previous).searchParams.get('offset')).toBeNull();

    const clamped = await relay.api.get(`${base}&limit=500`, { token: many.token });
    expect(clamped.body.result.results).toHaveLength(100);
    const last = await relay.api.get(clamped.body.result.next, { token: many.token });
    expect(last.body.result.results).toHaveLength(5);
    expect(last.body.result.next).toBeNull();
  });

  it("never shows, changes or deletes another shop's lead, with a token or a secret key", async () => {
    const leadB = await relay.api.post(
      '/api/store/leads/',
      { shop_id: b.shop.id, fields: { secret: 'B' } },
      { token: b.token },
    );
    const isolation = {
      base: '/api/store/leads/',
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: leadB.body.result.id,
      patch: { status: 'rejected' },
    };
    await expectIsolated(relay.api, { ...isolation, tokenA: a.token });
    const sk = (await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' })).key;
    await expectIsolated(relay.api, { ...isolation, tokenA: sk });
    expect((await relay.stores.leads.get(leadB.body.result.id))!.status).toBe('new');

    const bySecretKey = await relay.api.post('/api/store/leads/', { fields: {} }, { token: sk });
    expect(bySecretKey.body.result.shop_id).toBe(a.shop.id);
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/store/leads/',
      token: a.token,
      valid: {
        shop_id: a.shop.id,
        form: 'callback',
        fields: { name: 'Ann', phone: '+79123456789' },
        status: 'new',
        spam: false,
      },
      required: ['fields'],
    });
    const lead = (await post({ fields: {} })).body.result;
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/store/leads/${lead.id}/`,
      token: a.token,
      valid: {
        status: 'done',
        spam: false,
        fields: { name: 'Ann', phone: '+79123456789' },
        form: formA,
      },
    });
    const status = await relay.api.patch(
      `/api/store/leads/${lead.id}/`,
      { status: 'lost' },
      { token: a.token },
    );
    expect(status.body.errors.status).toEqual([
      'Must be one of: new, in_progress, done, rejected.',
    ]);
  });
});
