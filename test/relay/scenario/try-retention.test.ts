import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { testDatabase, type TestDatabase } from '../../helpers/engine.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { sandboxPerson, sandboxShop, type SandboxShop } from './sandbox.js';

const DAY = 24 * 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

const age = {
  person: sql<[string, number], never>(`UPDATE bot_users SET created_at = ? WHERE id = ?`),
  messages: sql<[string, number], never>(
    `UPDATE messages SET created_at = ? WHERE bot_user_id = ?`,
  ),
};
const count = {
  messages: sql<[number], { n: number }>(
    `SELECT count(*) AS n FROM messages WHERE bot_user_id = ?`,
  ),
  runs: sql<[number], { n: number }>(
    `SELECT count(*) AS n FROM scenario_runs WHERE bot_user_id = ?`,
  ),
};

type Turn = { bot_user_id: number; waiting: string | null; messages: { id: number }[] };

/**
 * The Try panel's test persons do not pile up: the relay's periodic maintenance (at start,
 * then hourly) deletes those nobody used for a week, with their history and run, on both
 * engines. Real people of the same bot, however old, and test persons still in use stay.
 */
describe('test persons of the Try panel are pruned after a week unused', () => {
  let database: TestDatabase;
  let relay: Relay;
  let shop: SandboxShop;
  let flows: { callback: number; later: number; items: Record<string, number> };

  /** A relay on the suite's database (a restart runs the maintenance at once). */
  const relayOn = () =>
    startRelay({ demo: true, ...database.config }, { scheduler: { maxSleepMs: 50 } });

  beforeAll(async () => {
    database = await testDatabase({ prefix: 'retention' });
    relay = await relayOn();
    shop = await sandboxShop(relay, 'Retention');
    const form = await relay.api.post(
      '/api/store/forms/',
      {
        shop_id: shop.shopId,
        name: 'callback',
        fields: [{ name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true }],
      },
      { token: shop.token },
    );
    expect(form.status, JSON.stringify(form.body)).toBe(201);
    const callback = await shop.flow([
      { key: 'hello', type: 'message', text: 'Hi!', buttons: [{ title: 'Call me', to: 'phone' }] },
      {
        key: 'phone',
        type: 'question',
        text: 'Phone?',
        variable: 'phone',
        validate: 'phone',
        next: 'lead',
      },
      { key: 'lead', type: 'lead', form: form.body.result.id, text: 'Thanks!' },
    ]);
    const later = await shop.flow([
      { key: 'wait', type: 'delay', delay_seconds: 3600, next: 'bye' },
      { key: 'bye', type: 'message', text: 'An hour later' },
    ]);
    flows = { callback: callback.flowId, later: later.flowId, items: callback.items };
  });
  afterAll(async () => {
    await relay?.close();
    await database?.drop();
  });

  const post = async (path: string, body: object, status = 201) => {
    const r = await relay.api.post(path, { shop_id: shop.shopId, ...body }, { token: shop.token });
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(status);
    return r.body;
  };
  const tryFlow = async (flowId: number, name: string): Promise<Turn> =>
    (await post(`/api/bot/flows/${flowId}/try/`, { name })).result;
  /** Makes the person and everything they said or were told `days` old. */
  const makeOld = async (botUserId: number, days: number) => {
    await relay.db.run(age.person, [ago(days * DAY), botUserId]);
    await relay.db.run(age.messages, [ago(days * DAY), botUserId]);
  };
  const exists = async (botUserId: number) =>
    (await relay.stores.subscribers.recipient(botUserId)) !== undefined;

  it('deletes a test person unused for more than 7 days, keeping real people and persons in use', async () => {
    // A real person of the same bot, who last wrote 30 days ago.
    const ann = sandboxPerson(relay, shop.botId);
    await ann.start('Ann');
    await ann.say('Do you ship to Riga?');
    const real = ann.botUserId;
    await makeOld(real, 30);
    const realMessages = (await relay.db.get(count.messages, [real]))!.n;
    expect(realMessages).toBeGreaterThan(0);

    // A test person who went through the whole flow (a lead made) 8 days ago.
    const first = await tryFlow(flows.callback, 'Stale');
    const stale = first.bot_user_id;
    await post(`/api/bot/try/${stale}/press/`, {
      message_id: first.messages[0].id,
      menu_item_id: flows.items['hello/Call me'],
    });
    await post(`/api/bot/try/${stale}/messages/`, { text: '+44 20 7946 0958' });
    await makeOld(stale, 8);
    // Made 8 days ago, but typed to today: in use.
    const typed = (await tryFlow(flows.callback, 'Typed today')).bot_user_id;
    await makeOld(typed, 8);
    await post(`/api/bot/try/${typed}/messages/`, { text: 'hello again' });
    // Made 6 days ago and not touched since: within the week.
    const recent = (await tryFlow(flows.callback, 'Recent')).bot_user_id;
    await makeOld(recent, 6);
    // Made 8 days ago, still waiting for a delay step to end: the flow is not over.
    const waiting = await tryFlow(flows.later, 'Waiting');
    expect(waiting.waiting).toBe('delay');
    await makeOld(waiting.bot_user_id, 8);

    // The maintenance runs when a relay starts (and hourly after).
    await relay.close();
    relay = await relayOn();
    await expect.poll(() => exists(stale), { timeout: 10_000 }).toBe(false);

    expect((await relay.db.get(count.messages, [stale]))!.n).toBe(0);
    expect((await relay.db.get(count.runs, [stale]))!.n).toBe(0);
    const refused = await post(`/api/bot/try/${stale}/messages/`, { text: 'hi' }, 404);
    expect(refused.errors.common).toBe('Test person not found.');
    // The lead it made is the shop's, and stays.
    const leads = await relay.api.get(`/api/store/leads/?shop_id=${shop.shopId}`, {
      token: shop.token,
    });
    expect(leads.body.result.results).toEqual([
      expect.objectContaining({
        fields: expect.objectContaining({ phone: '+442079460958' }),
        bot_user_id: null,
      }),
    ]);

    for (const kept of [real, typed, recent, waiting.bot_user_id])
      expect(await exists(kept), `bot user ${kept}`).toBe(true);
    expect((await relay.db.get(count.messages, [real]))!.n).toBe(realMessages);
    expect((await relay.db.get(count.runs, [waiting.bot_user_id]))!.n).toBe(1);
    await post(`/api/bot/try/${typed}/messages/`, { text: 'still here' });
  });

  it('prunes in batches and says how many went, never a real person', async () => {
    const people = [];
    for (const name of ['One', 'Two', 'Three']) {
      const id = (await tryFlow(flows.callback, name)).bot_user_id;
      await makeOld(id, 9);
      people.push(id);
    }
    const bob = sandboxPerson(relay, shop.botId);
    await bob.start('Bob');
    await makeOld(bob.botUserId, 9);
    expect(await relay.stores.subscribers.pruneTestPersons(ago(7 * DAY), 2)).toBe(3);
    for (const id of people) expect(await exists(id)).toBe(false);
    expect(await exists(bob.botUserId)).toBe(true);
    expect(await relay.stores.subscribers.pruneTestPersons(ago(7 * DAY), 2)).toBe(0);
  });
});
