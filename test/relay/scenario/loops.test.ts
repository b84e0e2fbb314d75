import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { insertFlow } from './fixtures.js';

describe('endless loops in a flow', () => {
  let relay: Relay;
  let a: Owner;
  let flow: number;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
  });
  beforeEach(async () => {
    flow = (await insertFlow(relay, a.shop.id)).id;
  });
  afterAll(() => relay.close());

  const create = async (body: object) => {
    const r = await relay.api.post(
      '/api/bot/steps/',
      { shop_id: a.shop.id, flow_id: flow, payload: { text: 'Hi' }, ...body },
      { token: a.token },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.id as number;
  };
  const patch = (id: number, body: object) =>
    relay.api.patch(`/api/bot/steps/${id}/`, body, { token: a.token });
  const expectLoop = (r: { status: number; body: any }, field: string, path: number[]) => {
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.errors[field]).toHaveLength(1);
    expect(r.body.errors[field][0]).toContain(
      `This would loop forever: ${path.map((id) => `step ${id}`).join(' → ')}`,
    );
  };

  it('refuses the link that closes a loop of steps that never wait, and keeps the old value', async () => {
    const s3 = await create({ type: 'action', action: { set_var: { name: 'seen', value: '1' } } });
    const s2 = await create({ type: 'message', next_step_id: s3 });
    const s1 = await create({ type: 'message', next_step_id: s2 });
    expectLoop(await patch(s3, { next_step_id: s1 }), 'next_step_id', [s3, s1, s2, s3]);
    expect((await relay.stores.scenario.steps.get(s3))!.next_step_id).toBeNull();
    expectLoop(await patch(s1, { next_step_id: s1 }), 'next_step_id', [s1, s1]);
  });

  it('allows a loop with a question or a delay in it, but not turning that step into a message', async () => {
    const ask = await create({ type: 'question', variable: 'answer' });
    const say = await create({ type: 'message', next_step_id: ask });
    expect((await patch(ask, { next_step_id: say })).status).toBe(200);
    expectLoop(await patch(ask, { type: 'message' }), 'type', [ask, say, ask]);
    expect((await relay.stores.scenario.steps.get(ask))!.type).toBe('question');

    const wait = await create({ type: 'delay', delay_seconds: 3600, payload: { text: '' } });
    const remind = await create({ type: 'message', next_step_id: wait });
    expect((await patch(wait, { next_step_id: remind })).status).toBe(200);
  });

  it('names the condition branch that closes a loop', async () => {
    const check = await create({
      type: 'condition',
      condition: { variable: 'paid', equals: 'yes' },
    });
    const nag = await create({ type: 'message', next_step_id: check });
    const ask = await create({ type: 'question', variable: 'paid', next_step_id: check });
    expect(
      (await patch(check, { condition: { variable: 'paid', equals: 'yes', then_step_id: ask } }))
        .status,
    ).toBe(200);
    const r = await patch(check, {
      condition: { variable: 'paid', equals: 'yes', then_step_id: ask, else_step_id: nag },
    });
    expectLoop(r, 'condition.else_step_id', [check, nag, check]);
  });

  it('counts buttons leading to a step as waiting, and refuses taking the last one away', async () => {
    const menu = await create({ type: 'message' });
    const other = await create({ type: 'message' });
    const target = await create({ type: 'message' });
    const after = await create({ type: 'message', next_step_id: menu });
    const button = (
      await relay.api.post(
        '/api/bot/menu_items/',
        { shop_id: a.shop.id, step_id: menu, title: 'Go', next_step_id: target },
        { token: a.token },
      )
    ).body.result;
    const link = (
      await relay.api.post(
        '/api/bot/menu_items/',
        { shop_id: a.shop.id, step_id: menu, title: 'Site', url: 'https://shop.example' },
        { token: a.token },
      )
    ).body.result;
    expect((await patch(menu, { next_step_id: after })).status).toBe(200);

    expectLoop(
      await relay.api.patch(
        `/api/bot/menu_items/${button.id}/`,
        { url: 'https://x.example' },
        { token: a.token },
      ),
      'url',
      [menu, after, menu],
    );
    expectLoop(
      await relay.api.patch(
        `/api/bot/menu_items/${button.id}/`,
        { step_id: other },
        { token: a.token },
      ),
      'step_id',
      [menu, after, menu],
    );
    expect(
      (await relay.api.delete(`/api/bot/menu_items/${link.id}/`, { token: a.token })).status,
    ).toBe(200);

    const del = await relay.api.delete(`/api/bot/menu_items/${button.id}/`, { token: a.token });
    expect(del.status).toBe(409);
    expect(del.body.errors.common).toContain(
      `This would loop forever: step ${menu} → step ${after} → step ${menu}`,
    );
    const stepDel = await relay.api.delete(`/api/bot/steps/${target}/`, { token: a.token });
    expect(stepDel.status).toBe(409);
    expect((await relay.stores.scenario.menuItems.get(button.id))!.next_step_id).toBe(target);
    expect(await relay.stores.scenario.steps.get(target)).toBeDefined();

    // Once the loop is broken elsewhere, the button and its target can go.
    expect((await patch(after, { next_step_id: null })).status).toBe(200);
    expect((await relay.api.delete(`/api/bot/steps/${target}/`, { token: a.token })).status).toBe(
      200,
    );
    expect((await relay.stores.scenario.menuItems.get(button.id))!.next_step_id).toBeNull();
  });

  it('does not block saves elsewhere in a flow that already has a loop', async () => {
    const s1 = await create({ type: 'message' });
    const s2 = await create({ type: 'message', next_step_id: s1 });
    // Written past the API, as data from before the rule would be.
    await relay.db.run(sql('UPDATE steps SET next_step_id = ? WHERE id = ?'), [s2, s1]);
    const unrelated = await create({ type: 'message' });
    expect((await patch(unrelated, { name: 'fine' })).status).toBe(200);
    expect((await patch(s2, { name: 'renamed', payload: { text: 'Still here' } })).status).toBe(
      200,
    );
    expect((await patch(s1, { next_step_id: null })).status).toBe(200);
  });
});
