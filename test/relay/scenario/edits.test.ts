import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { MAX_STEPS_PER_MOVE, NOTICES } from '../../../relay/scenario/runtime/engine.js';
import type { StepSpec } from '../../helpers/flows.js';
import type { Relay } from '../../helpers/relay.js';
import { eventually } from '../channels/fixtures.js';
import {
  runOf,
  sandboxPerson,
  sandboxShop,
  startScenarioRelay,
  type SandboxShop,
} from './sandbox.js';

/** Runs whose flow the shop edits while people are in it, and flows saved before the rules. */
describe('scenario runs under edited flows', () => {
  let relay: Relay;
  let shop: SandboxShop;
  beforeAll(async () => {
    relay = await startScenarioRelay();
    shop = await sandboxShop(relay);
  });
  afterAll(() => relay.close());

  const begin = async (specs: StepSpec[]) => {
    const botId = await shop.newBot();
    const flow = await shop.flow(specs, { welcome: true, botId });
    const person = sandboxPerson(relay, botId);
    await person.start();
    return { flow, person };
  };
  const api = {
    patch: (path: string, body: object) => relay.api.patch(path, body, { token: shop.token }),
    delete: (path: string) => relay.api.delete(path, { token: shop.token }),
  };
  const varsOf = async (botUserId: number) =>
    (await relay.api.get(`/api/bot/bot_users/${botUserId}/`, { token: shop.token })).body.result
      .store.user_vars;
  const QUESTION: StepSpec[] = [
    { key: 'ask', type: 'question', text: 'Your city?', variable: 'city', next: 'end' },
    { key: 'end', type: 'message', text: 'Thanks.' },
  ];

  it('saves no variable when the question a run waits at has become a message', async () => {
    const { flow, person } = await begin(QUESTION);
    const r = await api.patch(`/api/bot/steps/${flow.steps.ask}/`, { type: 'message' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.result.variable).toBeNull();
    await person.say('Paris');
    // Not an answer any more: the step has no variable to save it in.
    expect(await varsOf(person.botUserId)).toEqual({});
  });

  it('says nothing to a reply once the question a run waits at was deleted', async () => {
    const { flow, person } = await begin(QUESTION);
    expect((await api.delete(`/api/bot/steps/${flow.steps.ask}/`)).status).toBe(200);
    expect((await runOf(relay, person.botUserId))!.step_id).toBeNull();
    await person.say('Paris');
    expect(await person.texts()).toEqual(['Your city?']);
    expect(await varsOf(person.botUserId)).toEqual({});
  });

  it('ends a pause whose delay step was deleted without sending anything', async () => {
    const { flow, person } = await begin([
      { key: 'wait', type: 'delay', delay_seconds: 1, next: 'later' },
      { key: 'later', type: 'message', text: 'Later.' },
    ]);
    expect((await runOf(relay, person.botUserId))!.resume_at).not.toBeNull();
    expect((await api.delete(`/api/bot/steps/${flow.steps.wait}/`)).status).toBe(200);
    await eventually(async () => (await runOf(relay, person.botUserId))!.resume_at === null, 4_000);
    expect(await person.texts()).toEqual([]);
  });

  it('forgets the run with its flow, and calls the old buttons no longer available', async () => {
    const { flow, person } = await begin([
      { key: 'menu', type: 'message', text: 'Menu', buttons: [{ title: 'Go', to: 'end' }] },
      { key: 'end', type: 'message', text: 'End.' },
    ]);
    expect((await api.delete(`/api/bot/flows/${flow.flowId}/`)).status).toBe(200);
    expect(await runOf(relay, person.botUserId)).toBeUndefined();
    expect((await person.press('Go')).notice).toBe(NOTICES.gone);
    expect(await person.texts()).toEqual(['Menu']);
  });

  it('stops a loop saved before the loop rule after a bounded number of steps', async () => {
    const flow = await shop.flow([
      { key: 'a', type: 'message', text: 'Ping', next: 'b' },
      { key: 'b', type: 'message', text: 'Pong' },
    ]);
    // Written past the API, as data from before the rule would be.
    await relay.db.run(sql('UPDATE steps SET next_step_id = ? WHERE id = ?'), [
      flow.steps.a,
      flow.steps.b,
    ]);
    const person = sandboxPerson(relay, shop.botId);
    await person.start();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const r = await relay.api.post(
        '/api/bot/bot_user/subscribe_to_flow/',
        { shop_id: shop.shopId, flow_id: flow.flowId, bot_user_id: person.botUserId },
        { token: shop.token },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.result).toMatchObject({
        steps: MAX_STEPS_PER_MOVE,
        step_id: null,
        waiting: null,
      });
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0][0])).toContain('without waiting');
    } finally {
      logged.mockRestore();
    }
    expect(await person.texts()).toHaveLength(MAX_STEPS_PER_MOVE);
  });
});
