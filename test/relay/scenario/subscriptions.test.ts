import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRejectsBadInput } from '../../helpers/checks.js';
import type { StepSpec } from '../../helpers/flows.js';
import type { Relay } from '../../helpers/relay.js';
import { secretKey } from './fixtures.js';
import {
  runOf,
  sandboxPerson,
  sandboxShop,
  startScenarioRelay,
  type SandboxPerson,
  type SandboxShop,
} from './sandbox.js';

const SUBSCRIBE = '/api/bot/bot_user/subscribe_to_flow/';
const UNSUBSCRIBE = '/api/bot/bot_user/unsubscribe_from_flow/';

/** subscribe_to_flow / unsubscribe_from_flow, and people who must get no automatic replies. */
describe('flow subscriptions', () => {
  let relay: Relay;
  let a: SandboxShop;
  let b: SandboxShop;
  let menu: Awaited<ReturnType<SandboxShop['flow']>>;
  let survey: Awaited<ReturnType<SandboxShop['flow']>>;
  beforeAll(async () => {
    relay = await startScenarioRelay();
    a = await sandboxShop(relay, 'A');
    b = await sandboxShop(relay, 'B');
    menu = await a.flow(MENU);
    survey = await a.flow(SURVEY);
  });
  afterAll(() => relay.close());

  const MENU: StepSpec[] = [
    { key: 'hi', type: 'message', text: 'Hello, {{name}}.', next: 'menu' },
    { key: 'menu', type: 'message', text: 'Menu', buttons: [{ title: 'Sale', to: 'sale' }] },
    { key: 'sale', type: 'message', text: 'Sale!' },
  ];
  const SURVEY: StepSpec[] = [
    { key: 'ask', type: 'question', text: 'Rate us from 1 to 5', variable: 'rate', next: 'thanks' },
    { key: 'thanks', type: 'message', text: 'Thanks!' },
  ];

  /** A person who pressed Start on the bot (which has no welcome flow: nothing runs). */
  const person = async (shop: SandboxShop = a, botId = shop.botId) => {
    const p = sandboxPerson(relay, botId);
    await p.start();
    expect(await p.texts()).toEqual([]);
    return p;
  };
  const call = (path: string, body: object, token = a.token) =>
    relay.api.post(path, { shop_id: a.shopId, ...body }, { token });
  const subscribe = async (p: SandboxPerson, flowId: number) => {
    const r = await call(SUBSCRIBE, { flow_id: flowId, bot_user_id: p.botUserId });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.result;
  };
  const expectFieldError = (r: { status: number; body: any }, field: string) => {
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.status).toBe('error');
    expect(r.body.errors[field]).toHaveLength(1);
  };

  it('starts a flow at its first step and says where the person waits', async () => {
    const p = await person();
    expect(await subscribe(p, menu.flowId)).toEqual({
      bot_user_id: p.botUserId,
      flow_id: menu.flowId,
      step_id: menu.steps.menu,
      waiting: 'buttons',
      resume_at: null,
      steps: 2,
      stopped: false,
    });
    expect(await p.texts()).toEqual(['Hello, Ann.', 'Menu']);
    await p.press('Sale');
    expect(await p.texts()).toEqual(['Hello, Ann.', 'Menu', 'Sale!']);
    // Again, from the start: the flow had ended.
    expect(await subscribe(p, menu.flowId)).toMatchObject({ step_id: menu.steps.menu, steps: 2 });
  });

  it('replaces the run of another flow, whose buttons and question stop working', async () => {
    const p = await person();
    await subscribe(p, menu.flowId);
    expect(await subscribe(p, survey.flowId)).toMatchObject({
      flow_id: survey.flowId,
      step_id: survey.steps.ask,
      waiting: 'answer',
      steps: 1,
    });
    const [, oldMenu] = await p.received();
    expect((await p.press('Sale', oldMenu)).notice).toMatch(/out of date/);
    await p.say('5');
    expect(await p.texts()).toEqual(['Hello, Ann.', 'Menu', 'Rate us from 1 to 5', 'Thanks!']);
    expect(await runOf(relay, p.botUserId)).toMatchObject({
      flow_id: survey.flowId,
      step_id: null,
    });
  });

  it('stops a run and cancels its pending delay, so the delayed message never comes', async () => {
    const delayed = await a.flow([
      { key: 'wait', type: 'delay', delay_seconds: 1, next: 'later' },
      { key: 'later', type: 'message', text: 'Too late.' },
    ]);
    const p = await person();
    const asked = Date.now();
    const started = await subscribe(p, delayed.flowId);
    expect(started).toMatchObject({ step_id: delayed.steps.wait, waiting: 'delay', steps: 1 });
    expect(Date.parse(started.resume_at)).toBeGreaterThanOrEqual(asked + 1000);

    const stopped = await call(UNSUBSCRIBE, { flow_id: delayed.flowId, bot_user_id: p.botUserId });
    expect(stopped.status).toBe(200);
    // stopped: true also proves the pause had not ended yet (both moves are write transactions).
    expect(stopped.body.result).toEqual({
      bot_user_id: p.botUserId,
      flow_id: delayed.flowId,
      step_id: null,
      waiting: null,
      resume_at: null,
      steps: 0,
      stopped: true,
    });
    expect(await runOf(relay, p.botUserId)).toMatchObject({ resume_at: null, step_id: null });
    // Past the pause plus a few scheduler ticks (50 ms each), nothing came.
    await new Promise((r) => setTimeout(r, Date.parse(started.resume_at) - Date.now() + 250));
    expect(await p.texts()).toEqual([]);
  });

  it('cancels a pending delay when another flow replaces its run', async () => {
    const delayed = await a.flow([
      { key: 'wait', type: 'delay', delay_seconds: 1, next: 'later' },
      { key: 'later', type: 'message', text: 'Too late.' },
    ]);
    const p = await person();
    const started = await subscribe(p, delayed.flowId);
    await subscribe(p, survey.flowId);
    await new Promise((r) => setTimeout(r, Date.parse(started.resume_at) - Date.now() + 250));
    expect(await p.texts()).toEqual(['Rate us from 1 to 5']);
    expect(await runOf(relay, p.botUserId)).toMatchObject({
      step_id: survey.steps.ask,
      waiting: 'answer',
    });
  });

  it('answers stopped: false when the person is not in that flow, and leaves their run alone', async () => {
    const p = await person();
    const never = await call(UNSUBSCRIBE, { flow_id: menu.flowId, bot_user_id: p.botUserId });
    expect(never.status).toBe(200);
    expect(never.body.result).toMatchObject({ stopped: false, step_id: null, steps: 0 });

    await subscribe(p, survey.flowId);
    const other = await call(UNSUBSCRIBE, { flow_id: menu.flowId, bot_user_id: p.botUserId });
    expect(other.body.result).toMatchObject({ stopped: false, step_id: null, waiting: null });
    expect(await runOf(relay, p.botUserId)).toMatchObject({
      flow_id: survey.flowId,
      waiting: 'answer',
    });
    await p.say('4');
    expect(await p.texts()).toEqual(['Rate us from 1 to 5', 'Thanks!']);
    // The flow has ended: nothing left to stop.
    const ended = await call(UNSUBSCRIBE, { flow_id: survey.flowId, bot_user_id: p.botUserId });
    expect(ended.body.result.stopped).toBe(false);
  });

  it('refuses a flow without a first step, or of another bot of the shop', async () => {
    const p = await person();
    const empty = await relay.api.post(
      `/api/bot/flows/?shop_id=${a.shopId}`,
      { bot_id: a.botId, name: 'Empty' },
      { token: a.token },
    );
    expectFieldError(
      await call(SUBSCRIBE, { flow_id: empty.body.result.id, bot_user_id: p.botUserId }),
      'flow_id',
    );
    const otherBot = await a.newBot('Second bot');
    const theirs = await a.flow(SURVEY, { botId: otherBot });
    for (const path of [SUBSCRIBE, UNSUBSCRIBE])
      expectFieldError(
        await call(path, { flow_id: theirs.flowId, bot_user_id: p.botUserId }),
        'flow_id',
      );
    expect(await runOf(relay, p.botUserId)).toBeUndefined();
  });

  it("refuses another shop's flow or bot user exactly as a missing one, for a user or a secret key", async () => {
    const mine = await person();
    const theirs = await person(b);
    const theirFlow = await b.flow(SURVEY);
    const sk = await secretKey(relay, a.shopId);
    for (const token of [a.token, sk]) {
      for (const path of [SUBSCRIBE, UNSUBSCRIBE]) {
        const flow = await call(
          path,
          { flow_id: theirFlow.flowId, bot_user_id: mine.botUserId },
          token,
        );
        const noFlow = await call(path, { flow_id: 999_999, bot_user_id: mine.botUserId }, token);
        expectFieldError(flow, 'flow_id');
        expect(flow.body.errors).toEqual(noFlow.body.errors);
        const user = await call(
          path,
          { flow_id: menu.flowId, bot_user_id: theirs.botUserId },
          token,
        );
        const noUser = await call(path, { flow_id: menu.flowId, bot_user_id: 999_999 }, token);
        expectFieldError(user, 'bot_user_id');
        expect(user.body.errors).toEqual(noUser.body.errors);
        // Claiming the other shop is no way in.
        const claimed = await relay.api.post(
          path,
          { shop_id: b.shopId, flow_id: theirFlow.flowId, bot_user_id: theirs.botUserId },
          { token },
        );
        expect([403, 404], JSON.stringify(claimed.body)).toContain(claimed.status);
      }
    }
    expect(await runOf(relay, theirs.botUserId)).toBeUndefined();
    // The secret key acts as its shop without naming it.
    const bySk = await relay.api.post(
      SUBSCRIBE,
      { flow_id: survey.flowId, bot_user_id: mine.botUserId },
      { token: sk },
    );
    expect(bySk.status, JSON.stringify(bySk.body)).toBe(200);
    expect(bySk.body.result.waiting).toBe('answer');
  });

  it('rejects bad input with the error envelope, never a 500', async () => {
    const p = await person();
    for (const path of [SUBSCRIBE, UNSUBSCRIBE]) {
      await expectRejectsBadInput(relay.api, {
        method: 'POST',
        path,
        token: a.token,
        valid: { shop_id: a.shopId, flow_id: survey.flowId, bot_user_id: p.botUserId },
        required: ['flow_id', 'bot_user_id'],
      });
      for (const wrong of [
        { flow_id: -1, bot_user_id: p.botUserId },
        { flow_id: 0, bot_user_id: p.botUserId },
        { flow_id: 1.5, bot_user_id: p.botUserId },
        { flow_id: String(survey.flowId), bot_user_id: p.botUserId },
        { flow_id: survey.flowId, bot_user_id: -3 },
        { flow_id: survey.flowId, bot_user_id: null },
        { flow_id: survey.flowId, bot_user_id: 1e20 },
      ]) {
        const r = await call(path, wrong);
        expect(r.status, `${path} ${JSON.stringify(wrong)}`).toBe(400);
        expect(Object.keys(r.body.errors)).toContain(
          wrong.flow_id === survey.flowId ? 'bot_user_id' : 'flow_id',
        );
      }
      const none = await relay.api.post(path, { flow_id: survey.flowId, bot_user_id: p.botUserId });
      expect(none.status).toBe(401);
    }
    expect(await runOf(relay, p.botUserId)).toBeUndefined();
  });

  it('sends nothing automatic to a person a manager took over, and refuses to subscribe them', async () => {
    const botId = await a.newBot('Welcome bot');
    const welcome = await a.flow(MENU, { welcome: true, botId });
    const p = sandboxPerson(relay, botId);
    await p.start();
    expect(await p.texts()).toEqual(['Hello, Ann.', 'Menu']);
    const patched = await relay.api.patch(
      `/api/bot/bot_users/${p.botUserId}/?shop_id=${a.shopId}`,
      { store: { subscribed_to_bot: false } },
      { token: a.token },
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.result.store.subscribed_to_bot).toBe(false);

    expect(await p.press('Sale')).not.toHaveProperty('notice');
    await p.say('sale');
    expect(await p.texts()).toEqual(['Hello, Ann.', 'Menu']);
    expect(await runOf(relay, p.botUserId)).toMatchObject({ step_id: welcome.steps.menu });

    const refused = await call(SUBSCRIBE, { flow_id: welcome.flowId, bot_user_id: p.botUserId });
    expect(refused.status).toBe(409);
    expect(refused.body.status).toBe('error');
    expect(await p.texts()).toEqual(['Hello, Ann.', 'Menu']);
    // The manager can still stop the run they took over.
    const stopped = await call(UNSUBSCRIBE, { flow_id: welcome.flowId, bot_user_id: p.botUserId });
    expect(stopped.body.result).toMatchObject({ stopped: true, step_id: null });
    // What they wrote waits in the history for the manager.
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${a.shopId}&bot_user_id=${p.botUserId}&direction=in`,
      { token: a.token },
    );
    expect(history.body.result.results.map((m: any) => m.payload.text)).toEqual([
      'sale',
      'Sale',
      '/start',
    ]);
  });

  it('documents both endpoints in the OpenAPI document', async () => {
    const doc = (await relay.api.get('/api/openapi.json')).body;
    for (const path of [SUBSCRIBE, UNSUBSCRIBE]) {
      const op = doc.paths[path]?.post;
      expect(op, path).toBeDefined();
      expect(JSON.stringify(op.requestBody)).toContain('FlowSubscription');
      expect(JSON.stringify(op.responses['200'])).toContain('FlowRun');
    }
    expect(doc.paths[SUBSCRIBE].post.responses).toHaveProperty('409');
    expect(Object.keys(doc.components.schemas.FlowRun.properties).sort()).toEqual([
      'bot_user_id',
      'flow_id',
      'resume_at',
      'step_id',
      'steps',
      'stopped',
      'waiting',
    ]);
  });
});
