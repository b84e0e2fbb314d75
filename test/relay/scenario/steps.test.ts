import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { expectPagination, insertFlow, insertForm, insertTag, secretKey } from './fixtures.js';

describe('steps', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let flow: number;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    flow = (await insertFlow(relay, a.shop.id)).id;
  });
  afterAll(() => relay.close());

  const post = (body: object) =>
    relay.api.post(
      '/api/bot/steps/',
      { shop_id: a.shop.id, flow_id: flow, ...body },
      { token: a.token },
    );
  const patch = (id: number, body: object) =>
    relay.api.patch(`/api/bot/steps/${id}/`, body, { token: a.token });
  const message = async (flowId = flow, text = 'Hello') =>
    (
      await relay.stores.scenario.steps.create(a.shop.id, {
        flow_id: flowId,
        type: 'message',
        payload: { text },
      })
    ).id;

  it('creates, reads, updates and deletes a step', async () => {
    const created = await post({
      type: 'message',
      name: 'Hello',
      payload: { text: 'Hi there', image_url: 'https://shop.example/a.png' },
    });
    expect(created.status).toBe(201);
    const step = created.body.result;
    expect(step).toEqual({
      id: expect.any(Number),
      shop_id: a.shop.id,
      flow_id: flow,
      type: 'message',
      name: 'Hello',
      payload: { text: 'Hi there', image_url: 'https://shop.example/a.png' },
      next_step_id: null,
      variable: null,
      validate: null,
      error_text: null,
      form: null,
      delay_seconds: null,
      condition: null,
      action: null,
      ui: null,
      menu_items: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(
      (await relay.api.get(`/api/bot/steps/${step.id}/?shop_id=${a.shop.id}`, { token: a.token }))
        .body.result,
    ).toEqual(step);

    const next = await message();
    const patched = await patch(step.id, { payload: { text: 'Bye' }, next_step_id: next });
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({
      name: 'Hello',
      payload: { text: 'Bye' },
      next_step_id: next,
    });
    expect(patched.body.result.payload).not.toHaveProperty('image_url');
    expect((await patch(step.id, { next_step_id: null })).body.result.next_step_id).toBeNull();

    const del = await relay.api.delete(`/api/bot/steps/${step.id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id: step.id, deleted: true } });
    expect((await relay.api.get(`/api/bot/steps/${step.id}/`, { token: a.token })).status).toBe(
      404,
    );
  });

  it('paginates, clamps limit to 100 and filters by flow', async () => {
    const owner = await userWithShop(relay, 'Many');
    const f1 = await insertFlow(relay, owner.shop.id);
    const f2 = await insertFlow(relay, owner.shop.id);
    const create = (flow_id: number) =>
      relay.stores.scenario.steps.create(owner.shop.id, {
        flow_id,
        type: 'delay',
        delay_seconds: 60,
      });
    for (let i = 0; i < 102; i++) await create(f1.id);
    const other = await create(f2.id);
    await expectPagination(
      relay,
      `/api/bot/steps/?shop_id=${owner.shop.id}&flow_id=${f1.id}`,
      owner.token,
      102,
    );
    const byF2 = await relay.api.get(`/api/bot/steps/?shop_id=${owner.shop.id}&flow_id=${f2.id}`, {
      token: owner.token,
    });
    expect(byF2.body.result.results.map((s: { id: number }) => s.id)).toEqual([other.id]);
    expect(
      (await relay.api.get(`/api/bot/steps/?shop_id=${owner.shop.id}`, { token: owner.token })).body
        .result.count,
    ).toBe(103);
  });

  it("never shows, changes or deletes another shop's step, for a user or a secret key", async () => {
    const flowB = await insertFlow(relay, b.shop.id);
    const stepB = await relay.stores.scenario.steps.create(b.shop.id, {
      flow_id: flowB.id,
      type: 'message',
      payload: { text: 'B' },
    });
    for (const tokenA of [a.token, await secretKey(relay, a.shop.id)]) {
      await expectIsolated(relay.api, {
        base: '/api/bot/steps/',
        tokenA,
        shopA: a.shop.id,
        shopB: b.shop.id,
        idOfB: stepB.id,
        patch: { name: 'stolen' },
      });
    }
    expect((await relay.stores.scenario.steps.get(stepB.id))!.name).toBe('');
    const intoB = await post({ flow_id: flowB.id, type: 'message', payload: { text: 'x' } });
    expect(intoB.status).toBe(400);
    expect(intoB.body.errors.flow_id).toEqual(['Choose a flow of this shop.']);
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/bot/steps/',
      token: a.token,
      valid: {
        shop_id: a.shop.id,
        flow_id: flow,
        type: 'question',
        name: 'Ask',
        payload: { text: 'Name?' },
        variable: 'name',
        validate: 'text',
        error_text: 'Again?',
      },
      required: ['flow_id', 'type'],
    });
    const id = await message();
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/bot/steps/${id}/`,
      token: a.token,
      valid: { name: 'Valid', payload: { text: 'Valid' } },
    });
    const bad = await post({
      type: 'story',
      payload: { text: 'x'.repeat(4097), image_url: 'ftp://x.example/a.png' },
    });
    expect(Object.keys(bad.body.errors)).toEqual(
      expect.arrayContaining(['type', 'payload.text', 'payload.image_url']),
    );
  });

  it('applies the rules of each step type', async () => {
    const errorsOf = async (body: object) => {
      const r = await post(body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      return r.body.errors;
    };
    const question = await post({
      type: 'question',
      payload: { text: 'Your name?' },
      variable: 'first_name',
    });
    expect(question.body.result).toMatchObject({ variable: 'first_name', validate: 'text' });
    expect(await errorsOf({ type: 'question', payload: { text: 'Name?' } })).toHaveProperty(
      'variable',
    );
    for (const variable of ['1st', 'first-name', 'x'.repeat(65), ''])
      expect(
        await errorsOf({ type: 'question', payload: { text: 'Name?' }, variable }),
      ).toHaveProperty('variable');
    expect(await errorsOf({ type: 'message' })).toHaveProperty(['payload.text']);
    expect(
      (await post({ type: 'message', payload: { image_url: 'http://shop.example/a.png' } })).status,
    ).toBe(201);

    const form = await insertForm(relay, a.shop.id);
    expect((await post({ type: 'lead', form })).body.result.form).toBe(form);
    expect(await errorsOf({ type: 'lead' })).toHaveProperty('form');
    expect(
      (await errorsOf({ type: 'lead', form: await insertForm(relay, b.shop.id) })).form,
    ).toEqual(['Choose a form of this shop.']);

    expect((await post({ type: 'delay', delay_seconds: 30 * 86400 })).status).toBe(201);
    for (const delay_seconds of [undefined, 0, 30 * 86400 + 1, 1.5])
      expect(await errorsOf({ type: 'delay', delay_seconds })).toHaveProperty('delay_seconds');

    const cond = await post({
      type: 'condition',
      condition: { variable: 'city', equals: 'Paris' },
    });
    expect(cond.body.result.condition).toEqual({
      variable: 'city',
      equals: 'Paris',
      then_step_id: null,
      else_step_id: null,
    });
    expect(await errorsOf({ type: 'condition' })).toHaveProperty('condition');
    expect(await errorsOf({ type: 'condition', condition: { variable: 'city' } })).toHaveProperty([
      'condition.equals',
    ]);

    const tag = await insertTag(relay, a.shop.id);
    const action = await post({
      type: 'action',
      action: { set_var: { name: 'vip', value: 'yes' }, add_tag_id: tag },
    });
    expect(action.body.result.action).toEqual({
      set_var: { name: 'vip', value: 'yes' },
      add_tag_id: tag,
      remove_tag_id: null,
    });
    expect(await errorsOf({ type: 'action' })).toHaveProperty('action');
    expect((await errorsOf({ type: 'action', action: {} })).action[0]).toMatch(
      /at least one operation/,
    );
    const foreignTag = await insertTag(relay, b.shop.id);
    expect(
      await errorsOf({ type: 'action', action: { remove_tag_id: foreignTag } }),
    ).toHaveProperty(['action.remove_tag_id']);
    expect(await errorsOf({ type: 'action', action: { add_tag_id: 987654 } })).toHaveProperty([
      'action.add_tag_id',
    ]);

    expect(
      await errorsOf({ type: 'message', payload: { text: 'x' }, variable: 'x', delay_seconds: 5 }),
    ).toMatchObject({
      variable: ['A message step does not use variable.'],
      delay_seconds: ['A message step does not use delay_seconds.'],
    });
    expect(
      await errorsOf({
        type: 'condition',
        condition: { variable: 'a', equals: 'b' },
        next_step_id: question.body.result.id,
      }),
    ).toHaveProperty('next_step_id');
  });

  it('drops the fields of the old type when a step changes type', async () => {
    const q = (
      await post({
        type: 'question',
        payload: { text: 'Age?' },
        variable: 'age',
        validate: 'number',
        error_text: 'A number, please',
      })
    ).body.result;
    const r = await patch(q.id, { type: 'message' });
    expect(r.status).toBe(200);
    expect(r.body.result).toMatchObject({
      type: 'message',
      variable: null,
      validate: null,
      error_text: null,
      payload: { text: 'Age?' },
    });
    expect((await patch(q.id, { type: 'delay' })).body.errors).toHaveProperty('delay_seconds');
    expect((await patch(q.id, { type: 'delay', delay_seconds: 60 })).body.result).toMatchObject({
      type: 'delay',
      delay_seconds: 60,
    });
  });

  it('refuses references to steps of another flow or shop, and moving a step', async () => {
    const own = await message();
    const otherFlow = (await insertFlow(relay, a.shop.id)).id;
    const inOther = await message(otherFlow);
    const flowB = await insertFlow(relay, b.shop.id);
    const stepB = (
      await relay.stores.scenario.steps.create(b.shop.id, {
        flow_id: flowB.id,
        type: 'message',
        payload: { text: 'B' },
      })
    ).id;
    for (const ref of [inOther, stepB, 987654]) {
      const r = await post({ type: 'message', payload: { text: 'x' }, next_step_id: ref });
      expect(r.body.errors.next_step_id).toEqual(['Choose a step of this flow.']);
      const c = await post({
        type: 'condition',
        condition: { variable: 'v', equals: '1', then_step_id: own, else_step_id: ref },
      });
      expect(Object.keys(c.body.errors)).toEqual(['common', 'condition.else_step_id']);
      expect((await patch(own, { next_step_id: ref })).body.errors).toHaveProperty('next_step_id');
    }
    expect((await patch(own, { flow_id: otherFlow })).body.errors.flow_id).toEqual([
      'A step cannot move to another flow.',
    ]);
    expect((await patch(own, { flow_id: flow, name: 'same flow is fine' })).status).toBe(200);
  });

  it('lists its buttons ordered by position', async () => {
    const id = await message();
    const target = await message();
    const items = relay.stores.scenario.menuItems;
    await items.create(a.shop.id, {
      step_id: id,
      title: 'Third',
      url: 'https://shop.example',
      position: 5,
    });
    await items.create(a.shop.id, {
      step_id: id,
      title: 'First',
      next_step_id: target,
      position: 0,
    });
    await items.create(a.shop.id, {
      step_id: id,
      title: 'Second',
      url: 'tg://resolve?domain=shop',
      position: 1,
    });
    const read = await relay.api.get(`/api/bot/steps/${id}/`, { token: a.token });
    expect(read.body.result.menu_items.map((m: { title: string }) => m.title)).toEqual([
      'First',
      'Second',
      'Third',
    ]);
    const list = await relay.api.get(
      `/api/bot/steps/?shop_id=${a.shop.id}&flow_id=${flow}&limit=100`,
      { token: a.token },
    );
    const listed = list.body.result.results.find((s: { id: number }) => s.id === id);
    expect(listed.menu_items).toEqual(read.body.result.menu_items);
  });

  it('deletes a step with its buttons and sets every reference to it to null', async () => {
    const gone = await message();
    const f = await relay.stores.scenario.flows.update(flow, { first_step_id: gone });
    expect(f!.first_step_id).toBe(gone);
    const before = (await post({ type: 'message', payload: { text: 'x' }, next_step_id: gone }))
      .body.result.id;
    const cond = (
      await post({
        type: 'condition',
        condition: { variable: 'v', equals: '1', then_step_id: gone, else_step_id: before },
      })
    ).body.result.id;
    const withButton = await relay.stores.scenario.steps.create(a.shop.id, {
      flow_id: flow,
      type: 'question',
      payload: { text: 'Q?' },
      variable: 'q',
    });
    const button = await relay.stores.scenario.menuItems.create(a.shop.id, {
      step_id: withButton.id,
      title: 'Go',
      next_step_id: gone,
    });
    const own = await relay.stores.scenario.menuItems.create(a.shop.id, {
      step_id: gone,
      title: 'Mine',
      url: 'https://shop.example',
    });

    expect((await relay.api.delete(`/api/bot/steps/${gone}/`, { token: a.token })).status).toBe(
      200,
    );
    expect((await relay.stores.scenario.flows.get(flow))!.first_step_id).toBeNull();
    expect((await relay.stores.scenario.steps.get(before))!.next_step_id).toBeNull();
    expect((await relay.stores.scenario.steps.get(cond))!.condition).toEqual({
      variable: 'v',
      equals: '1',
      then_step_id: null,
      else_step_id: before,
    });
    expect((await relay.stores.scenario.menuItems.get(button.id))!.next_step_id).toBeNull();
    expect(await relay.stores.scenario.menuItems.get(own.id)).toBeUndefined();
  });

  it('forgets a deleted form or tag', async () => {
    const form = await insertForm(relay, a.shop.id);
    const tag = await insertTag(relay, a.shop.id);
    const lead = (await post({ type: 'lead', form })).body.result.id;
    const action = (
      await post({
        type: 'action',
        action: { add_tag_id: tag, set_var: { name: 'x', value: '1' } },
      })
    ).body.result.id;
    await relay.db.run(sql('DELETE FROM forms WHERE id = ?'), [form]);
    await relay.db.run(sql('DELETE FROM tags WHERE id = ?'), [tag]);
    expect((await relay.stores.scenario.steps.get(lead))!.form).toBeNull();
    expect((await relay.stores.scenario.steps.get(action))!.action).toEqual({
      set_var: { name: 'x', value: '1' },
      add_tag_id: null,
      remove_tag_id: null,
    });
  });
});
