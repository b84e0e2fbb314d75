import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { buildFlow, type BuiltFlow } from '../../helpers/flows.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { insertForm } from './fixtures.js';

const telegramBot = sql<[number, string], { id: number }>(
  `INSERT INTO bots (shop_id, bot_type, name) VALUES (?, 'telegram', ?) RETURNING id`,
);
const deliveriesOf = sql<[number], { n: number }>(
  `SELECT count(*) AS n FROM deliveries WHERE bot_user_id = ?`,
);

type Turn = {
  bot_user_id: number;
  step_id: number | null;
  waiting: string | null;
  path: number[];
  notice?: string;
  messages: {
    id: number;
    direction: 'in' | 'out';
    payload: { text: string; notice?: string };
    inline_buttons: { text: string; menu_item_id?: number; url?: string }[];
    status: string;
  }[];
};

/**
 * The scenario editor's Try panel over the API: a test person goes through a flow of a
 * Telegram bot, on a relay without the demo's sandbox, and nothing reaches Telegram.
 */
describe('trying a flow with a test person', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let botId: number;
  let formId: number;
  let flow: BuiltFlow;
  let hook: Server;
  const alerts: { event: string; text: string }[] = [];

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        alerts.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    relay = await startRelay({ webhookAllowPrivate: true });
    a = await userWithShop(relay, 'Try A');
    b = await userWithShop(relay, 'Try B');
    botId = (await relay.db.get(telegramBot, [a.shop.id, 'Shop bot']))!.id;
    formId = await insertForm(relay, a.shop.id, 'callback');
    await relay.db.run(sql(`UPDATE forms SET fields = ? WHERE id = ?`), [
      JSON.stringify([
        { name: 'name', label: { en: 'Name' }, type: 'text', required: true },
        { name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true },
      ]),
      formId,
    ]);
    const channel = await relay.api.post(
      '/api/notifications/channels/',
      {
        shop_id: a.shop.id,
        type: 'webhook',
        url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`,
        events: ['lead.created'],
      },
      { token: a.token },
    );
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    flow = await buildFlow(relay.api, { token: a.token, shopId: a.shop.id, botId }, [
      {
        key: 'hello',
        type: 'message',
        text: 'Hi {{name}}! How can we help?',
        buttons: [
          { title: 'Call me back', to: 'phone' },
          { title: 'Prices', url: 'https://shop.example/prices' },
        ],
      },
      {
        key: 'phone',
        type: 'question',
        text: 'Your phone number?',
        variable: 'phone',
        validate: 'phone',
        error_text: 'That is not a phone number.',
        next: 'lead',
      },
      { key: 'lead', type: 'lead', form: formId, text: 'Thanks! We will call you.' },
    ]);
  });
  afterAll(async () => {
    await relay?.close();
    await new Promise((r) => hook?.close(r));
  });

  const post = async (path: string, body: object, owner = a, status = 201) => {
    const r = await relay.api.post(
      path,
      { shop_id: owner.shop.id, ...body },
      { token: owner.token },
    );
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(status);
    return r.body;
  };
  const start = async (name = 'Tess'): Promise<Turn> =>
    (await post(`/api/bot/flows/${flow.flowId}/try/`, { name })).result;

  it('runs the flow turn by turn, a lead made and alerted, nothing sent to the messenger', async () => {
    const first = await start();
    expect(first).toMatchObject({
      step_id: flow.steps.hello,
      waiting: 'buttons',
      path: [flow.steps.hello],
    });
    expect(first.messages).toHaveLength(1);
    expect(first.messages[0]).toMatchObject({
      direction: 'out',
      payload: { text: 'Hi Tess! How can we help?' },
      status: 'sent',
    });
    expect(first.messages[0].inline_buttons.map((x) => x.text)).toEqual(['Call me back', 'Prices']);
    const person = first.bot_user_id;

    const pressed: Turn = (
      await post(`/api/bot/try/${person}/press/`, {
        message_id: first.messages[0].id,
        menu_item_id: flow.items['hello/Call me back'],
      })
    ).result;
    expect(pressed).toMatchObject({
      step_id: flow.steps.phone,
      waiting: 'answer',
      path: [flow.steps.phone],
    });
    expect(pressed.messages.map((m) => [m.direction, m.payload.text])).toEqual([
      ['in', 'Call me back'],
      ['out', 'Your phone number?'],
    ]);

    const wrong: Turn = (await post(`/api/bot/try/${person}/messages/`, { text: 'soon' })).result;
    expect(wrong).toMatchObject({ step_id: flow.steps.phone, path: [] });
    expect(wrong.messages.map((m) => m.payload.text)).toEqual([
      'soon',
      'That is not a phone number.',
    ]);

    const answered: Turn = (
      await post(`/api/bot/try/${person}/messages/`, { text: '+44 20 7946 0958' })
    ).result;
    expect(answered).toMatchObject({ step_id: null, waiting: null, path: [flow.steps.lead] });
    expect(answered.messages.at(-1)!.payload.text).toBe('Thanks! We will call you.');

    const leads = await relay.api.get(`/api/store/leads/?shop_id=${a.shop.id}`, { token: a.token });
    const lead = leads.body.result.results.find(
      (l: { bot_user_id: number }) => l.bot_user_id === person,
    );
    expect(lead).toMatchObject({ form: formId, fields: { name: 'Tess', phone: '+442079460958' } });
    await expect
      .poll(() => alerts.map((x) => x.event), { timeout: 10_000 })
      .toContain('lead.created');
    expect(alerts.find((x) => x.event === 'lead.created')!.text).toContain('+442079460958');
    // The bot's messages are in the history only: no delivery was ever queued for the person.
    expect((await relay.db.get(deliveriesOf, [person]))!.n).toBe(0);
  });

  it('answers a press on an outdated menu with its notice, and refuses a button not there', async () => {
    const first = await start();
    const person = first.bot_user_id;
    const press = {
      message_id: first.messages[0].id,
      menu_item_id: flow.items['hello/Call me back'],
    };
    await post(`/api/bot/try/${person}/press/`, press);
    const again: Turn = (await post(`/api/bot/try/${person}/press/`, press)).result;
    expect(again.notice).toMatch(/out of date/);
    expect(again.path).toEqual([]);
    expect(again.messages).toMatchObject([{ direction: 'in', payload: { notice: again.notice } }]);
    const missing = await post(
      `/api/bot/try/${person}/press/`,
      { message_id: first.messages[0].id, menu_item_id: 999_999 },
      a,
      400,
    );
    expect(missing.errors.menu_item_id).toEqual(['No such button under this message.']);
  });

  it('keeps test persons out of the shop’s people, exports and conversations', async () => {
    const { bot_user_id: person } = await start('Hidden');
    for (const path of [
      `/api/bot/bot_users/?shop_id=${a.shop.id}&limit=100`,
      `/api/bot/conversations/?shop_id=${a.shop.id}&limit=100`,
    ]) {
      const r = await relay.api.get(path, { token: a.token });
      expect(r.status, path).toBe(200);
      expect(
        r.body.result.results.map((x: { id: number }) => x.id),
        path,
      ).not.toContain(person);
    }
    const csv = await relay.api.get(
      `/api/bot/bot_users/export/?shop_id=${a.shop.id}&format=ndjson`,
      {
        token: a.token,
      },
    );
    expect(csv.status).toBe(200);
    expect(csv.text).not.toContain('Hidden');
  });

  it('drives only the shop’s own test persons, never a real person', async () => {
    const real = await post('/api/bot/bot_user/unsafe_create/', {
      bot_id: botId,
      messenger_user_id: '5001',
      name: 'Real person',
    });
    const refused = await post(`/api/bot/try/${real.result.id}/messages/`, { text: 'hi' }, a, 404);
    expect(refused.errors.common).toBe('Test person not found.');
    const { bot_user_id: person } = await start();
    await post(`/api/bot/try/${person}/messages/`, { text: 'hi' }, b, 404);
    await post(`/api/bot/flows/${flow.flowId}/try/`, {}, b, 404);
    // A flow must have a first step to be tried.
    const empty = await post('/api/bot/flows/', { bot_id: botId, name: 'Empty' });
    const r = await post(`/api/bot/flows/${empty.result.id}/try/`, {}, a, 400);
    expect(r.errors.id).toEqual(['This flow has no first step yet: choose where it starts.']);
  });
});
