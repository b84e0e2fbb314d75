import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { openStream } from '../../helpers/sse.js';
import { insertBot } from './fixtures.js';

/**
 * What the console's scenario editor relies on: steps keep where they are drawn, an update
 * with a stale `updated_at` is refused with 409 and the current object, and every save of a
 * flow's graph is told on the shop's event stream.
 */
describe('scenario editing: positions, versions, events', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let botId: number;
  beforeAll(async () => {
    relay = await startRelay({}, { events: { pollMs: 100, heartbeatMs: 200 } });
    a = await userWithShop(relay, 'Versions A');
    b = await userWithShop(relay, 'Versions B');
    botId = await insertBot(relay, a.shop.id);
  });
  afterAll(() => relay.close());

  const as = () => ({ token: a.token });
  const created = async (path: string, body: object) => {
    const r = await relay.api.post(path, { shop_id: a.shop.id, ...body }, as());
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result;
  };
  const newFlow = (name = 'Editor') => created('/api/bot/flows/', { bot_id: botId, name });
  const message = (flowId: number, body: object = {}) =>
    created('/api/bot/steps/', {
      flow_id: flowId,
      type: 'message',
      payload: { text: 'Hi' },
      ...body,
    });

  it('keeps a step’s position on the canvas, and refuses one that is not a point', async () => {
    const flow = await newFlow();
    const step = await message(flow.id, { ui: { x: 40, y: -120 } });
    expect(step.ui).toEqual({ x: 40, y: -120 });
    const moved = await relay.api.patch(
      `/api/bot/steps/${step.id}/`,
      { ui: { x: 300, y: 80 } },
      as(),
    );
    expect(moved.status).toBe(200);
    expect(moved.body.result.ui).toEqual({ x: 300, y: 80 });
    // Other edits keep it; null clears it.
    const renamed = await relay.api.patch(`/api/bot/steps/${step.id}/`, { name: 'Hello' }, as());
    expect(renamed.body.result.ui).toEqual({ x: 300, y: 80 });
    const read = await relay.api.get(`/api/bot/steps/${step.id}/?shop_id=${a.shop.id}`, as());
    expect(read.body.result.ui).toEqual({ x: 300, y: 80 });
    const cleared = await relay.api.patch(`/api/bot/steps/${step.id}/`, { ui: null }, as());
    expect(cleared.body.result.ui).toBeNull();
    expect((await message(flow.id)).ui).toBeNull();

    for (const [ui, field] of [
      [{ x: 1.5, y: 0 }, 'ui.x'],
      [{ x: 0 }, 'ui.y'],
      [{ x: 0, y: 2_000_000 }, 'ui.y'],
      ['here', 'ui'],
    ] as const) {
      const r = await relay.api.patch(`/api/bot/steps/${step.id}/`, { ui }, as());
      expect(r.status, JSON.stringify(ui)).toBe(400);
      expect(r.body.errors[field], JSON.stringify(r.body)).toBeDefined();
    }
  });

  it('refuses a step update made from a stale version with 409 and the current step', async () => {
    const flow = await newFlow();
    const step = await message(flow.id);
    // Editor one saves from the version it read.
    const first = await relay.api.patch(
      `/api/bot/steps/${step.id}/`,
      { payload: { text: 'Hello from one' }, updated_at: step.updated_at },
      as(),
    );
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.result.updated_at).not.toBe(step.updated_at);
    // Editor two still has the old version: refused, and told what the step is now.
    const second = await relay.api.patch(
      `/api/bot/steps/${step.id}/`,
      { payload: { text: 'Hello from two' }, updated_at: step.updated_at },
      as(),
    );
    expect(second.status).toBe(409);
    expect(second.body).toEqual({
      status: 'error',
      errors: {
        common:
          'This step was changed by someone else since you read it; nothing was saved. ' +
          'It is in `current` as it is now.',
      },
      current: first.body.result,
    });
    const now = await relay.api.get(`/api/bot/steps/${step.id}/?shop_id=${a.shop.id}`, as());
    expect(now.body.result.payload.text).toBe('Hello from one');
    // The same instant written another way is the same version; a save without one is not checked.
    const iso = first.body.result.updated_at as string;
    const same = await relay.api.patch(
      `/api/bot/steps/${step.id}/`,
      { name: 'Same', updated_at: iso.replace('Z', '+00:00') },
      as(),
    );
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(
      (await relay.api.patch(`/api/bot/steps/${step.id}/`, { name: 'Any' }, as())).status,
    ).toBe(200);
    const bad = await relay.api.patch(
      `/api/bot/steps/${step.id}/`,
      { name: 'x', updated_at: 'yesterday' },
      as(),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.updated_at).toBeDefined();
  });

  it('gives every save a new version, even two in the same millisecond', async () => {
    const flow = await newFlow();
    const step = await message(flow.id);
    const versions = new Set([step.updated_at]);
    let version = step.updated_at as string;
    for (let i = 0; i < 20; i++) {
      const r = await relay.api.patch(
        `/api/bot/steps/${step.id}/`,
        { ui: { x: i, y: i }, updated_at: version },
        as(),
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      version = r.body.result.updated_at;
      versions.add(version);
    }
    expect(versions.size).toBe(21);
    // A clock behind the stored version (a relay whose clock is late, on a shared database):
    // the next version is still later than the last.
    const future = '2999-01-01T00:00:00.000Z';
    await relay.db.run(sql('UPDATE steps SET updated_at = ? WHERE id = ?'), [future, step.id]);
    const after = await relay.api.patch(
      `/api/bot/steps/${step.id}/`,
      { name: 'Later', updated_at: future },
      as(),
    );
    expect(after.body.result.updated_at).toBe('2999-01-01T00:00:00.001Z');
  });

  it('refuses stale updates of flows and buttons the same way', async () => {
    const flow = await newFlow();
    const [one, two] = [await message(flow.id), await message(flow.id)];
    const renamed = await relay.api.patch(
      `/api/bot/flows/${flow.id}/`,
      { name: 'Renamed', updated_at: flow.updated_at },
      as(),
    );
    expect(renamed.status).toBe(200);
    const staleFlow = await relay.api.patch(
      `/api/bot/flows/${flow.id}/`,
      { first_step_id: one.id, updated_at: flow.updated_at },
      as(),
    );
    expect(staleFlow.status).toBe(409);
    expect(staleFlow.body.current).toEqual(renamed.body.result);
    expect(staleFlow.body.errors.common).toMatch(/^This flow was changed by someone else/);

    const item = await created('/api/bot/menu_items/', {
      step_id: one.id,
      title: 'Next',
      next_step_id: two.id,
    });
    const retitled = await relay.api.patch(
      `/api/bot/menu_items/${item.id}/`,
      { title: 'Go on', updated_at: item.updated_at },
      as(),
    );
    expect(retitled.status).toBe(200);
    const staleItem = await relay.api.patch(
      `/api/bot/menu_items/${item.id}/`,
      { url: 'https://shop.example/', updated_at: item.updated_at },
      as(),
    );
    expect(staleItem.status).toBe(409);
    expect(staleItem.body.current).toEqual(retitled.body.result);
    expect(staleItem.body.errors.common).toMatch(/^This button was changed by someone else/);
  });

  it('says nothing about another shop’s step, stale or not', async () => {
    const flow = await newFlow();
    const step = await message(flow.id);
    const r = await relay.api.patch(
      `/api/bot/steps/${step.id}/`,
      { name: 'Mine now', updated_at: '2000-01-01T00:00:00.000Z' },
      { token: b.token },
    );
    expect(r.status).toBe(404);
    expect(r.body).not.toHaveProperty('current');
  });

  it('tells the shop’s event stream, and only that shop’s, whenever a flow’s graph is saved', async () => {
    const flow = await newFlow('Watched');
    const mine = await openStream(`${relay.url}/api/events/stream/?shop_id=${a.shop.id}`, as());
    const theirs = await openStream(`${relay.url}/api/events/stream/?shop_id=${b.shop.id}`, {
      token: b.token,
    });
    try {
      await Promise.all([mine.next('ready'), theirs.next('ready')]);
      const step = await message(flow.id);
      let e = await mine.next('flow.updated');
      expect(e.json).toMatchObject({
        type: 'flow.updated',
        shop_id: a.shop.id,
        data: { id: flow.id, name: 'Watched', bot_id: botId },
      });
      await relay.api.patch(`/api/bot/steps/${step.id}/`, { ui: { x: 1, y: 2 } }, as());
      e = await mine.next('flow.updated');
      expect(e.json.data.id).toBe(flow.id);
      const item = await created('/api/bot/menu_items/', {
        step_id: step.id,
        title: 'Site',
        url: 'https://shop.example/',
      });
      expect((await mine.next('flow.updated')).json.data.id).toBe(flow.id);
      await relay.api.delete(`/api/bot/menu_items/${item.id}/`, as());
      expect((await mine.next('flow.updated')).json.data.id).toBe(flow.id);
      // A refused save changes nothing and says nothing.
      const refused = await relay.api.patch(
        `/api/bot/steps/${step.id}/`,
        { name: 'x', updated_at: '2000-01-01T00:00:00.000Z' },
        as(),
      );
      expect(refused.status).toBe(409);
      await relay.api.delete(`/api/bot/steps/${step.id}/`, as());
      expect((await mine.next('flow.updated')).json.data.id).toBe(flow.id);
      await relay.api.delete(`/api/bot/flows/${flow.id}/`, as());
      expect((await mine.next('flow.updated')).json.data).toEqual({ id: flow.id, deleted: true });
      // Six saves, six events; nothing on the other shop's stream.
      expect(mine.events.filter((x) => x.event === 'flow.updated')).toHaveLength(6);
      expect(theirs.events.filter((x) => x.event !== 'ready')).toEqual([]);
    } finally {
      mine.close();
      theirs.close();
    }
  });
});
