import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { expectPagination, insertFlow, secretKey } from './fixtures.js';

describe('menu items', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let flow: number;
  let step: number;
  let target: number;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    flow = (await insertFlow(relay, a.shop.id)).id;
    step = await message(a.shop.id, flow);
    target = await message(a.shop.id, flow);
  });
  afterAll(() => relay.close());

  async function message(shopId: number, flowId: number) {
    const s = await relay.stores.scenario.steps.create(shopId, {
      flow_id: flowId,
      type: 'message',
      payload: { text: 'Hello' },
    });
    return s.id;
  }
  const post = (body: object) =>
    relay.api.post(
      '/api/bot/menu_items/',
      { shop_id: a.shop.id, step_id: step, title: 'Go', ...body },
      { token: a.token },
    );
  const patch = (id: number, body: object) =>
    relay.api.patch(`/api/bot/menu_items/${id}/`, body, { token: a.token });

  it('creates, reads, updates and deletes a button, appending new buttons last', async () => {
    const own = await message(a.shop.id, flow);
    const first = await relay.api.post(
      '/api/bot/menu_items/',
      { shop_id: a.shop.id, step_id: own, title: ' Catalog ', next_step_id: target },
      { token: a.token },
    );
    expect(first.status).toBe(201);
    expect(first.body.result).toEqual({
      id: expect.any(Number),
      shop_id: a.shop.id,
      step_id: own,
      title: 'Catalog',
      next_step_id: target,
      url: null,
      position: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const second = await post({ step_id: own, url: 'https://shop.example/sale' });
    expect(second.body.result.position).toBe(1);
    const id = first.body.result.id;
    expect(
      (await relay.api.get(`/api/bot/menu_items/${id}/?shop_id=${a.shop.id}`, { token: a.token }))
        .body.result,
    ).toEqual(first.body.result);

    const toUrl = await patch(id, { title: 'Sale', url: 'tg://resolve?domain=shop_bot' });
    expect(toUrl.status).toBe(200);
    expect(toUrl.body.result).toMatchObject({
      title: 'Sale',
      url: 'tg://resolve?domain=shop_bot',
      next_step_id: null,
    });
    const toStep = await patch(id, { next_step_id: target, position: 7 });
    expect(toStep.body.result).toMatchObject({ url: null, next_step_id: target, position: 7 });

    const del = await relay.api.delete(`/api/bot/menu_items/${id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id, deleted: true } });
    expect((await relay.api.get(`/api/bot/menu_items/${id}/`, { token: a.token })).status).toBe(
      404,
    );
    expect((await relay.stores.scenario.steps.get(own))!.menu_items.map((m) => m.title)).toEqual([
      'Go',
    ]);
  });

  it('paginates, clamps limit to 100 and filters by step', async () => {
    const owner = await userWithShop(relay, 'Many');
    const f = (await insertFlow(relay, owner.shop.id)).id;
    const s1 = await message(owner.shop.id, f);
    const s2 = await message(owner.shop.id, f);
    for (let i = 0; i < 101; i++)
      await relay.stores.scenario.menuItems.create(owner.shop.id, {
        step_id: s1,
        title: `B${i}`,
        url: 'https://x.example',
      });
    await relay.stores.scenario.menuItems.create(owner.shop.id, {
      step_id: s2,
      title: 'Other',
      url: 'https://x.example',
    });
    await expectPagination(
      relay,
      `/api/bot/menu_items/?shop_id=${owner.shop.id}&step_id=${s1}`,
      owner.token,
      101,
    );
    const byS2 = await relay.api.get(
      `/api/bot/menu_items/?shop_id=${owner.shop.id}&step_id=${s2}`,
      { token: owner.token },
    );
    expect(byS2.body.result.results.map((m: { title: string }) => m.title)).toEqual(['Other']);
  });

  it("never shows, changes or deletes another shop's button, for a user or a secret key", async () => {
    const stepB = await message(b.shop.id, (await insertFlow(relay, b.shop.id)).id);
    const itemB = await relay.stores.scenario.menuItems.create(b.shop.id, {
      step_id: stepB,
      title: 'B',
      url: 'https://b.example',
    });
    for (const tokenA of [a.token, await secretKey(relay, a.shop.id)]) {
      await expectIsolated(relay.api, {
        base: '/api/bot/menu_items/',
        tokenA,
        shopA: a.shop.id,
        shopB: b.shop.id,
        idOfB: itemB.id,
        patch: { title: 'stolen' },
      });
    }
    expect((await relay.stores.scenario.menuItems.get(itemB.id))!.title).toBe('B');
    const ontoB = await post({ step_id: stepB, url: 'https://a.example' });
    expect(ontoB.body.errors.step_id).toEqual(['Choose a step of this shop.']);
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/bot/menu_items/',
      token: a.token,
      valid: {
        shop_id: a.shop.id,
        step_id: step,
        title: 'Valid',
        next_step_id: target,
        position: 2,
      },
      required: ['step_id', 'title'],
    });
    const item = (await post({ url: 'https://shop.example' })).body.result;
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/bot/menu_items/${item.id}/`,
      token: a.token,
      valid: { title: 'Valid', url: 'https://shop.example/x', position: 3 },
    });
    for (const title of ['', '   ', 'x'.repeat(65)])
      expect((await post({ title, url: 'https://x.example' })).body.errors).toHaveProperty('title');
    expect((await post({ title: 'x'.repeat(64), url: 'https://x.example' })).status).toBe(201);
    for (const url of ['javascript:alert(1)', 'ftp://x.example', 'not a url', 'mailto:a@b.example'])
      expect((await post({ url })).body.errors.url).toEqual([
        'Enter an http://, https:// or tg:// URL.',
      ]);
    expect((await post({ position: -1, url: 'https://x.example' })).body.errors).toHaveProperty(
      'position',
    );
  });

  it('needs exactly one of next_step_id and url', async () => {
    const neither = await post({});
    expect(neither.status).toBe(400);
    expect(neither.body.errors).toMatchObject({
      next_step_id: ['Give either next_step_id or url.'],
      url: ['Give either next_step_id or url.'],
    });
    const both = await post({ next_step_id: target, url: 'https://x.example' });
    expect(both.body.errors.url).toEqual(['Give either next_step_id or url, not both.']);
    const item = (await post({ url: 'https://x.example' })).body.result;
    expect((await patch(item.id, { url: null })).body.errors).toHaveProperty('next_step_id');
    expect((await patch(item.id, { url: null, next_step_id: target })).body.result).toMatchObject({
      url: null,
      next_step_id: target,
    });
  });

  it('leads only to a step of the same flow, also after moving to another step', async () => {
    const otherFlow = (await insertFlow(relay, a.shop.id)).id;
    const elsewhere = await message(a.shop.id, otherFlow);
    const stepB = await message(b.shop.id, (await insertFlow(relay, b.shop.id)).id);
    for (const next_step_id of [elsewhere, stepB, 987654])
      expect((await post({ next_step_id })).body.errors.next_step_id).toEqual([
        'Choose a step of this flow.',
      ]);
    const item = (await post({ next_step_id: target })).body.result;
    const moved = await patch(item.id, { step_id: elsewhere });
    expect(moved.body.errors.next_step_id).toEqual(['Choose a step of this flow.']);
    expect((await patch(item.id, { step_id: stepB })).body.errors.step_id).toEqual([
      'Choose a step of this shop.',
    ]);
    expect((await relay.stores.scenario.menuItems.get(item.id))!.step_id).toBe(step);
  });
});
