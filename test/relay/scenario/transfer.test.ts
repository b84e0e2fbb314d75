import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { expectRejectsBadInput } from '../../helpers/checks.js';
import { buildFlow, type StepSpec } from '../../helpers/flows.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { insertBot, insertForm, insertTag, secretKey } from './fixtures.js';

const countFlows = sql<[number], { n: number }>(
  `SELECT count(*) AS n FROM flows WHERE shop_id = ?`,
);

describe('flow export and import', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let botA: number;
  let botA2: number;
  let botB: number;
  let formA: number;
  let tagA: number;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'Export A');
    b = await userWithShop(relay, 'Export B');
    [botA, botA2, botB] = [
      await insertBot(relay, a.shop.id, 'One'),
      await insertBot(relay, a.shop.id, 'Two'),
      await insertBot(relay, b.shop.id, 'B'),
    ];
    formA = await insertForm(relay, a.shop.id, 'callback');
    tagA = await insertTag(relay, a.shop.id, 'hot');
  });
  afterAll(() => relay.close());

  /** Every kind of step and link, as a shop would build it over the API. */
  const everything = (): StepSpec[] => [
    {
      key: 'hello',
      type: 'message',
      text: 'Hi {{name}}!',
      buttons: [
        { title: 'Call me back', to: 'phone' },
        { title: 'Prices', url: 'https://shop.example/prices' },
      ],
    },
    {
      key: 'phone',
      type: 'question',
      text: 'Your phone?',
      variable: 'phone',
      validate: 'phone',
      error_text: 'A phone number, please.',
      next: 'check',
    },
    {
      key: 'check',
      type: 'condition',
      condition: { variable: 'budget', equals: 'big', then: 'tag', else: 'lead' },
    },
    {
      key: 'tag',
      type: 'action',
      action: { set_var: { name: 'vip', value: 'yes' }, add_tag_id: tagA },
      next: 'lead',
    },
    { key: 'lead', type: 'lead', form: formA, text: 'Thanks!', next: 'wait' },
    { key: 'wait', type: 'delay', delay_seconds: 60, text: 'A minute…' },
  ];
  const build = async (specs = everything()) =>
    buildFlow(relay.api, { token: a.token, shopId: a.shop.id, botId: botA }, specs, {
      name: 'Everything',
    });
  const exported = async (flowId: number, owner = a) => {
    const r = await relay.api.get(`/api/bot/flows/${flowId}/export/?shop_id=${owner.shop.id}`, {
      token: owner.token,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.result;
  };
  const importInto = (owner: Owner, botId: number, flow: unknown, name?: string) =>
    relay.api.post(
      '/api/bot/flows/import/',
      { shop_id: owner.shop.id, bot_id: botId, flow, ...(name ? { name } : {}) },
      { token: owner.token },
    );

  it('exports a flow with step keys, form and tag names, positions and buttons in order', async () => {
    const built = await build();
    await relay.api.patch(
      `/api/bot/steps/${built.steps.hello}/`,
      { ui: { x: 10, y: 20 } },
      { token: a.token },
    );
    const doc = await exported(built.flowId);
    expect(doc).toMatchObject({
      format: 'touchpoint.flow',
      version: 1,
      name: 'Everything',
      first_step: 's1',
    });
    expect(doc.steps.map((s: { key: string }) => s.key)).toEqual([
      's1',
      's2',
      's3',
      's4',
      's5',
      's6',
    ]);
    expect(doc.steps[0]).toEqual({
      key: 's1',
      type: 'message',
      name: 'hello',
      payload: { text: 'Hi {{name}}!' },
      next_step: null,
      variable: null,
      validate: null,
      error_text: null,
      form: null,
      delay_seconds: null,
      condition: null,
      action: null,
      ui: { x: 10, y: 20 },
      buttons: [
        { title: 'Call me back', next_step: 's2', url: null },
        { title: 'Prices', next_step: null, url: 'https://shop.example/prices' },
      ],
    });
    expect(doc.steps[1]).toMatchObject({
      variable: 'phone',
      validate: 'phone',
      error_text: 'A phone number, please.',
      next_step: 's3',
    });
    expect(doc.steps[2].condition).toEqual({
      variable: 'budget',
      equals: 'big',
      then_step: 's4',
      else_step: 's5',
    });
    expect(doc.steps[3].action).toEqual({
      set_var: { name: 'vip', value: 'yes' },
      add_tag: 'hot',
      remove_tag: null,
    });
    expect(doc.steps[4]).toMatchObject({ form: 'callback', next_step: 's6' });
    expect(doc.steps[5]).toMatchObject({ delay_seconds: 60 });
    // Nothing of the shop's ids travels in the document.
    expect(JSON.stringify(doc)).not.toMatch(/"(id|shop_id|flow_id|bot_id)"/);
  });

  it('imports an export into another bot as an equal flow with new ids', async () => {
    const built = await build();
    const doc = await exported(built.flowId);
    const r = await importInto(a, botA2, doc, 'Everything, again');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const flow = r.body.result;
    expect(flow).toMatchObject({ shop_id: a.shop.id, bot_id: botA2, name: 'Everything, again' });
    expect(flow.id).not.toBe(built.flowId);
    expect(await exported(flow.id)).toEqual({ ...doc, name: 'Everything, again' });
    // Its steps are new steps of the new flow, linked to each other.
    const steps = await relay.api.get(`/api/bot/steps/?shop_id=${a.shop.id}&flow_id=${flow.id}`, {
      token: a.token,
    });
    const ids = steps.body.result.results.map((s: { id: number }) => s.id);
    expect(ids).toHaveLength(6);
    for (const id of Object.values(built.steps)) expect(ids).not.toContain(id);
    expect(flow.first_step_id).toBe(ids[0]);
    expect(steps.body.result.results[0].menu_items[0].next_step_id).toBe(ids[1]);
    expect(steps.body.result.results[4].form).toBe(formA);
    expect(steps.body.result.results[3].action.add_tag_id).toBe(tagA);
  });

  it('imports into another shop by form and tag names, refusing what that shop lacks', async () => {
    const doc = await exported((await build()).flowId);
    const before = (await relay.db.get(countFlows, [b.shop.id]))!.n;
    const refused = await importInto(b, botB, doc);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual({
      common: 'This flow cannot be imported: check the highlighted fields.',
      'flow.steps.3.action.add_tag': [
        'This shop has no tag named “hot”. Create it first, or choose another tag in the document.',
      ],
      'flow.steps.4.form': [
        'This shop has no form named “callback”. Create it first, or choose another form in the document.',
      ],
    });
    expect((await relay.db.get(countFlows, [b.shop.id]))!.n).toBe(before);

    const formB = await insertForm(relay, b.shop.id, 'callback');
    const tagB = await insertTag(relay, b.shop.id, 'hot');
    const r = await importInto(b, botB, doc);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const steps = await relay.api.get(
      `/api/bot/steps/?shop_id=${b.shop.id}&flow_id=${r.body.result.id}`,
      { token: b.token },
    );
    expect(steps.body.result.results[4].form).toBe(formB);
    expect(steps.body.result.results[3].action.add_tag_id).toBe(tagB);
    expect(await exported(r.body.result.id, b)).toEqual(doc);
  });

  it('refuses another shop’s form or tag given by id, and another shop’s bot', async () => {
    const doc = await exported((await build()).flowId);
    doc.steps[4].form = formA;
    doc.steps[3].action.add_tag = tagA;
    const r = await importInto(b, botB, doc);
    expect(r.status).toBe(400);
    expect(r.body.errors['flow.steps.4.form']).toEqual(['Choose a form of this shop.']);
    expect(r.body.errors['flow.steps.3.action.add_tag']).toEqual(['Choose a tag of this shop.']);
    const foreignBot = await importInto(a, botB, doc);
    expect(foreignBot.status).toBe(400);
    expect(foreignBot.body.errors.bot_id).toEqual(['Choose a bot of this shop.']);
    // A flow of another shop is not there to export.
    const flowB = (await importInto(b, botB, { ...doc, steps: [], first_step: null })).body.result;
    for (const q of ['', `?shop_id=${a.shop.id}`, `?shop_id=${b.shop.id}`])
      expect(
        (await relay.api.get(`/api/bot/flows/${flowB.id}/export/${q}`, { token: a.token })).status,
      ).toBe(404);
  });

  it('reports every broken key, rule and button at once, and writes nothing', async () => {
    const step = (key: string, more: object = {}) => ({
      key,
      type: 'message',
      payload: { text: 'Hi' },
      ...more,
    });
    const before = (await relay.db.get(countFlows, [a.shop.id]))!.n;
    const r = await importInto(a, botA, {
      format: 'touchpoint.flow',
      version: 1,
      name: 'Broken',
      first_step: 'nowhere',
      steps: [
        step('a', { next_step: 'b', variable: 'phone' }),
        step('a'),
        step('c', { type: 'question' }),
        step('d', {
          buttons: [
            { title: 'Lost' },
            { title: 'Both', next_step: 'a', url: 'https://x.example/' },
          ],
        }),
        step('e', { type: 'lead', payload: { text: '' } }),
      ],
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.errors).sort()).toEqual([
      'common',
      'flow.first_step',
      'flow.steps.0.next_step',
      'flow.steps.0.variable',
      'flow.steps.1.key',
      'flow.steps.2.variable',
      'flow.steps.3.buttons.0.next_step',
      'flow.steps.3.buttons.0.url',
      'flow.steps.3.buttons.1.next_step',
      'flow.steps.3.buttons.1.url',
      'flow.steps.4.form',
    ]);
    expect(r.body.errors['flow.first_step']).toEqual([
      'No step of this flow has the key “nowhere”.',
    ]);
    expect(r.body.errors['flow.steps.0.variable']).toEqual([
      'A message step does not use variable.',
    ]);
    expect(r.body.errors['flow.steps.1.key']).toEqual(['Another step has the key “a”.']);
    expect(r.body.errors['flow.steps.3.buttons.0.url']).toEqual([
      'Give either next_step_id or url.',
    ]);
    expect((await relay.db.get(countFlows, [a.shop.id]))!.n).toBe(before);
  });

  it('refuses a document whose steps loop without waiting, naming the loop by keys', async () => {
    const before = (await relay.db.get(countFlows, [a.shop.id]))!.n;
    const r = await importInto(a, botA, {
      format: 'touchpoint.flow',
      version: 1,
      name: 'Loop',
      first_step: 'ping',
      steps: [
        { key: 'ping', type: 'message', payload: { text: 'Ping' }, next_step: 'pong' },
        { key: 'pong', type: 'message', payload: { text: 'Pong' }, next_step: 'ping' },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body.errors['flow.steps.0.next_step']).toEqual([
      'This would loop forever: ping → pong → ping run one after another without waiting for the user. Put a question, buttons leading to a step, or a delay in the loop.',
    ]);
    expect((await relay.db.get(countFlows, [a.shop.id]))!.n).toBe(before);
    // With a button leading on, the same loop waits for a press: fine.
    const ok = await importInto(a, botA, {
      format: 'touchpoint.flow',
      version: 1,
      name: 'Loop with a button',
      first_step: 'ping',
      steps: [
        { key: 'ping', type: 'message', payload: { text: 'Ping' }, next_step: 'pong' },
        {
          key: 'pong',
          type: 'message',
          payload: { text: 'Pong' },
          buttons: [{ title: 'Again', next_step: 'ping' }],
        },
      ],
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('works for a shop’s secret key, and rejects bad input with the error envelope', async () => {
    const doc = await exported((await build()).flowId);
    const key = await secretKey(relay, a.shop.id);
    const r = await relay.api.post(
      '/api/bot/flows/import/',
      { bot_id: botA, flow: doc },
      { token: key },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/bot/flows/import/',
      token: a.token,
      valid: { shop_id: a.shop.id, bot_id: botA, flow: doc },
      required: ['bot_id', 'flow'],
    });
    const wrong = await importInto(a, botA, { ...doc, format: 'something.else' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors['flow.format']).toBeDefined();
  });
});
