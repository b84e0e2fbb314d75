import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { expectPagination, insertBot, insertFlow, secretKey } from './fixtures.js';

const setWelcome = sql<[number, number]>('UPDATE bots SET welcome_flow_id = ? WHERE id = ?');

describe('flows', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let botA: number;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    botA = await insertBot(relay, a.shop.id);
  });
  afterAll(() => relay.close());

  const step = async (flowId: number, text = 'Hi') =>
    (
      await relay.stores.scenario.steps.create(a.shop.id, {
        flow_id: flowId,
        type: 'message',
        payload: { text },
      })
    ).id;

  it('creates, reads, updates and deletes a flow', async () => {
    const created = await relay.api.post(
      '/api/bot/flows/',
      { shop_id: a.shop.id, bot_id: botA, name: 'Welcome' },
      { token: a.token },
    );
    expect(created.status).toBe(201);
    const flow = created.body.result;
    expect(flow).toMatchObject({
      shop_id: a.shop.id,
      bot_id: botA,
      name: 'Welcome',
      first_step_id: null,
    });
    expect(flow.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const read = await relay.api.get(`/api/bot/flows/${flow.id}/?shop_id=${a.shop.id}`, {
      token: a.token,
    });
    expect(read.body.result).toEqual(flow);

    const first = await step(flow.id);
    const patched = await relay.api.patch(
      `/api/bot/flows/${flow.id}`,
      { name: 'Greeting', first_step_id: first },
      { token: a.token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({
      name: 'Greeting',
      first_step_id: first,
      bot_id: botA,
    });
    const cleared = await relay.api.patch(
      `/api/bot/flows/${flow.id}/`,
      { first_step_id: null },
      { token: a.token },
    );
    expect(cleared.body.result).toMatchObject({ name: 'Greeting', first_step_id: null });

    const del = await relay.api.delete(`/api/bot/flows/${flow.id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id: flow.id, deleted: true } });
    expect((await relay.api.get(`/api/bot/flows/${flow.id}/`, { token: a.token })).status).toBe(
      404,
    );
    expect((await relay.api.delete(`/api/bot/flows/${flow.id}/`, { token: a.token })).status).toBe(
      404,
    );
  });

  it('paginates, clamps limit to 100 and filters by bot', async () => {
    const owner = await userWithShop(relay, 'Many');
    const bot = await insertBot(relay, owner.shop.id);
    const other = await insertBot(relay, owner.shop.id, 'Other');
    for (let i = 0; i < 103; i++)
      await relay.stores.scenario.flows.create(owner.shop.id, { bot_id: bot, name: `F${i}` });
    await relay.stores.scenario.flows.create(owner.shop.id, { bot_id: other, name: 'Other' });

    await expectPagination(
      relay,
      `/api/bot/flows/?shop_id=${owner.shop.id}&bot_id=${bot}`,
      owner.token,
      103,
    );
    const all = await relay.api.get(`/api/bot/flows/?shop_id=${owner.shop.id}`, {
      token: owner.token,
    });
    expect(all.body.result.count).toBe(104);
    const byOther = await relay.api.get(
      `/api/bot/flows/?shop_id=${owner.shop.id}&bot_id=${other}`,
      { token: owner.token },
    );
    expect(byOther.body.result.results.map((f: { name: string }) => f.name)).toEqual(['Other']);
    expect(
      (
        await relay.api.get(`/api/bot/flows/?shop_id=${owner.shop.id}&bot_id=x`, {
          token: owner.token,
        })
      ).body.errors,
    ).toHaveProperty('bot_id');
  });

  it("never shows, changes or deletes another shop's flow, for a user or a secret key", async () => {
    const flowB = await insertFlow(relay, b.shop.id);
    for (const tokenA of [a.token, await secretKey(relay, a.shop.id)]) {
      await expectIsolated(relay.api, {
        base: '/api/bot/flows/',
        tokenA,
        shopA: a.shop.id,
        shopB: b.shop.id,
        idOfB: flowB.id,
        patch: { name: 'stolen' },
      });
    }
    expect((await relay.stores.scenario.flows.get(flowB.id))!.name).toBe('Welcome');
  });

  it('lets a secret key create and list flows of its shop without naming it', async () => {
    const sk = await secretKey(relay, a.shop.id);
    const created = await relay.api.post(
      '/api/bot/flows/',
      { bot_id: botA, name: 'By key' },
      { token: sk },
    );
    expect(created.status).toBe(201);
    expect(created.body.result.shop_id).toBe(a.shop.id);
    const list = await relay.api.get('/api/bot/flows/?limit=100', { token: sk });
    expect(list.body.result.results.map((f: { id: number }) => f.id)).toContain(
      created.body.result.id,
    );
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/bot/flows/',
      token: a.token,
      valid: { shop_id: a.shop.id, bot_id: botA, name: 'Valid' },
      required: ['bot_id', 'name'],
    });
    const flow = await insertFlow(relay, a.shop.id);
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/bot/flows/${flow.id}/`,
      token: a.token,
      valid: { name: 'Valid', bot_id: botA },
    });
    const blank = await relay.api.post(
      '/api/bot/flows/',
      { shop_id: a.shop.id, bot_id: botA, name: '  ' },
      { token: a.token },
    );
    expect(blank.body.errors).toHaveProperty('name');
  });

  it("refuses a bot of another shop, and a first step that is not one of the flow's steps", async () => {
    const botB = await insertBot(relay, b.shop.id);
    const post = (body: object) =>
      relay.api.post(
        '/api/bot/flows/',
        { shop_id: a.shop.id, name: 'F', ...body },
        { token: a.token },
      );
    for (const bot_id of [botB, 987654]) {
      const r = await post({ bot_id });
      expect(r.status).toBe(400);
      expect(r.body.errors.bot_id).toEqual(['Choose a bot of this shop.']);
    }

    const flow = await insertFlow(relay, a.shop.id);
    const otherFlow = await insertFlow(relay, a.shop.id);
    const ownStep = await step(flow.id);
    const otherStep = await step(otherFlow.id);
    expect((await post({ bot_id: botA, first_step_id: ownStep })).body.errors).toHaveProperty(
      'first_step_id',
    );
    const stepB = await relay.stores.scenario.steps.create(b.shop.id, {
      flow_id: (await insertFlow(relay, b.shop.id)).id,
      type: 'message',
      payload: { text: 'B' },
    });
    for (const first_step_id of [otherStep, stepB.id, 987654]) {
      const r = await relay.api.patch(
        `/api/bot/flows/${flow.id}/`,
        { first_step_id },
        { token: a.token },
      );
      expect(r.status).toBe(400);
      expect(r.body.errors.first_step_id).toEqual(['Choose a step of this flow.']);
    }
    const r = await relay.api.patch(
      `/api/bot/flows/${flow.id}/`,
      { bot_id: botB },
      { token: a.token },
    );
    expect(r.body.errors).toHaveProperty('bot_id');
    expect((await relay.stores.scenario.flows.get(flow.id))!.first_step_id).toBeNull();
  });

  it('moves a flow to another bot, unless it is the welcome flow of its bot', async () => {
    const flow = await insertFlow(relay, a.shop.id);
    const otherBot = await insertBot(relay, a.shop.id, 'Other');
    const moved = await relay.api.patch(
      `/api/bot/flows/${flow.id}/`,
      { bot_id: otherBot },
      { token: a.token },
    );
    expect(moved.body.result.bot_id).toBe(otherBot);

    await relay.db.run(setWelcome, [flow.id, otherBot]);
    const r = await relay.api.patch(
      `/api/bot/flows/${flow.id}/`,
      { bot_id: botA },
      { token: a.token },
    );
    expect(r.status).toBe(400);
    expect(r.body.errors.bot_id[0]).toMatch(/welcome flow of bot/);
  });

  it('deletes its steps and their buttons with a flow, and a bot forgets it as welcome flow', async () => {
    const flow = await insertFlow(relay, a.shop.id);
    const s1 = await step(flow.id);
    const s2 = await step(flow.id);
    await relay.stores.scenario.menuItems.create(a.shop.id, {
      step_id: s1,
      title: 'Go',
      next_step_id: s2,
    });
    const keep = await insertFlow(relay, a.shop.id);
    const kept = await step(keep.id);
    await relay.db.run(setWelcome, [flow.id, flow.bot_id]);

    expect((await relay.api.delete(`/api/bot/flows/${flow.id}/`, { token: a.token })).status).toBe(
      200,
    );
    expect(
      await relay.db.get(sql('SELECT count(*) AS n FROM steps WHERE flow_id = ?'), [flow.id]),
    ).toEqual({ n: 0 });
    expect(
      await relay.db.get(sql('SELECT count(*) AS n FROM menu_items WHERE step_id = ?'), [s1]),
    ).toEqual({ n: 0 });
    expect(
      await relay.db.get(sql('SELECT welcome_flow_id FROM bots WHERE id = ?'), [flow.bot_id]),
    ).toEqual({ welcome_flow_id: null });
    expect(await relay.stores.scenario.steps.get(kept)).toBeDefined();
  });
});
