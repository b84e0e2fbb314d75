import { createRoute, z } from '@hono/zod-openapi';
import { owned, shopFor, ShopId, ShopQuery } from '../auth/principal.js';
import type { Recipient } from '../bot-users/subscribers.js';
import type { Tx } from '../db/sql.js';
import type { Deps } from '../deps.js';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  ok,
  okJson,
  security,
} from '../http/api.js';
import { invalidField, notFound } from '../http/errors.js';
import { itemOfCallback, Message } from '../messages/schemas.js';
import type { Outcome } from './runtime/engine.js';

/**
 * Trying a flow without a messenger (the console's scenario editor, "Try it"): a test person
 * — a bot user of the flow's bot marked `test` — goes through the flow while the editor
 * types and presses buttons for them. Everything is real but the messenger: steps run in the
 * runtime, variables are saved, a lead step makes a real lead and the managers' alert; what
 * the bot says is kept in the test person's history only, never sent. Test persons are left
 * out of the shop's bot user lists, exports and conversations. Only test persons can be
 * driven this way: no one can type in a real person's name.
 */

const common = { tags: ['scenario'], security };

const TryStart = z
  .object({
    shop_id: ShopId.optional(),
    /** The test person's name (`{{name}}` in texts); "Test person" by default. */
    name: z.string().trim().min(1).max(200).optional(),
  })
  .openapi('TryStart');
const TryText = z
  .object({ shop_id: ShopId.optional(), text: z.string().trim().min(1).max(4096) })
  .openapi('TryText');
const TryPress = z
  .object({
    shop_id: ShopId.optional(),
    /** The message the button is under (one the bot sent the test person). */
    message_id: z.number().int().positive(),
    /** The button: a scenario button's `menu_item_id`, as the message lists it. */
    menu_item_id: z.number().int().positive(),
  })
  .openapi('TryPress');

export const TryTurn = z
  .object({
    bot_user_id: z.number().int(),
    flow_id: z.number().int().nullable(),
    /** Where the run waits now; null when the flow ended. */
    step_id: z.number().int().nullable(),
    waiting: z.enum(['buttons', 'answer', 'delay']).nullable(),
    /** The steps this turn ran, in order: the path to highlight. */
    path: z.array(z.number().int()),
    /** What a press on an outdated or deleted button was answered with instead. */
    notice: z.string().optional(),
    /** The turn's messages, both directions, oldest first. */
    messages: z.array(Message),
  })
  .openapi('TryTurn');
type TryTurn = z.infer<typeof TryTurn>;

const PersonParam = z.object({
  bot_user_id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'bot_user_id', in: 'path' }, example: 42 }),
});

const start = createRoute({
  ...common,
  method: 'post',
  path: '/flows/{id}/try',
  operationId: 'tryFlow',
  summary: 'Start a flow for a new test person (kept in the history, never sent)',
  description:
    'Test persons are kept for 7 days after their last message (either way): the relay’s hourly maintenance then deletes one that is not waiting for a delay step, with their history and run (their leads stay); their id answers 404 from then on.',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(TryStart) },
  responses: { 201: okJson(TryTurn, 'The test person and the first turn'), ...errorResponses },
});
/** `POST /try/{bot_user_id}/…`: something the test person does; answers the bot's turn. */
const personRoute = <B extends z.ZodType>(
  action: 'messages' | 'press',
  operationId: string,
  summary: string,
  body: B,
) =>
  createRoute({
    ...common,
    method: 'post',
    path: `/try/{bot_user_id}/${action}`,
    operationId,
    summary,
    request: { params: PersonParam, query: ShopQuery, body: jsonBody(body) },
    responses: { 201: okJson(TryTurn, 'What the bot answered'), ...errorResponses },
  });
const say = personRoute(
  'messages',
  'tryText',
  'The test person types a message (an answer, a button title, free text)',
  TryText,
);
const press = personRoute(
  'press',
  'tryPress',
  'The test person presses a button under a message the bot sent them',
  TryPress,
);

export function tryRoutes({ db, stores }: Deps) {
  const { subscribers, messages, scenarioRuntime: runtime } = stores;

  /** The test person of the shop; 404 for anyone else (a real person can never be driven). */
  const testPerson = async (
    shopId: number,
    id: number,
  ): Promise<Recipient & { chat_id: string }> => {
    const to = await subscribers.recipient(id);
    if (!to?.test || to.shop_id !== shopId || !to.chat_id) throw notFound('Test person');
    return { ...to, chat_id: to.chat_id };
  };

  /** The person's messages after `after`, as the history API shows them. */
  const since = async (to: Recipient & { chat_id: string }, after: number) =>
    (await messages.chat(to.bot_id, to.chat_id, after)).map(
      ({ chat_id: _chat, buttons: _buttons, ...m }) => m,
    );

  const turn = async (
    to: Recipient & { chat_id: string },
    after: number,
    outcome: Outcome,
  ): Promise<TryTurn> => {
    const run = await runtime.runs.get(to.id);
    return {
      bot_user_id: to.id,
      flow_id: run?.flow_id ?? null,
      step_id: run?.step_id ?? null,
      waiting: run?.waiting ?? null,
      path: outcome.path ?? [],
      ...(outcome.notice ? { notice: outcome.notice } : {}),
      messages: await since(to, after),
    };
  };

  /** The person's message in the history, as a messenger's inbound message would be. */
  const record = (
    tx: Tx,
    to: Recipient & { chat_id: string },
    content_type: 'text' | 'callback',
    payload: { text: string; data?: string },
  ) =>
    messages.insertInTx(tx, {
      shop_id: to.shop_id,
      bot_id: to.bot_id,
      bot_user_id: to.id,
      chat_id: to.chat_id,
      direction: 'in',
      content_type,
      payload,
    });

  /**
   * A turn of the test person: their message goes into the history and `run` moves the flow
   * on, in one transaction; the answer is what followed their message.
   */
  const turnAfter = async (
    to: Recipient & { chat_id: string },
    content_type: 'text' | 'callback',
    payload: { text: string; data?: string },
    run: (tx: Tx, messageId: number) => Promise<Outcome>,
  ) => {
    const { id, outcome } = await db.tx(async (tx) => {
      const id = (await record(tx, to, content_type, payload))!;
      return { id, outcome: await run(tx, id) };
    });
    return turn(to, id - 1, outcome);
  };

  return createRouter()
    .openapi(start, async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const shopId = input.shop_id ?? c.req.valid('query').shop_id;
      const flow = owned(c.var.principal, await stores.scenario.flows.get(id), 'Flow', shopId);
      if (flow.first_step_id === null)
        throw invalidField('id', 'This flow has no first step yet: choose where it starts.');
      const { personId, outcome } = await db.tx(async (tx) => {
        const personId = await subscribers.createTestPersonInTx(
          tx,
          { id: flow.bot_id, shop_id: flow.shop_id },
          input.name ?? 'Test person',
        );
        return { personId, outcome: await runtime.startInTx(tx, personId, flow.id) };
      });
      return c.json(ok(await turn(await testPerson(flow.shop_id, personId), 0, outcome)), 201);
    })
    .openapi(say, async (c) => {
      const { bot_user_id } = c.req.valid('param');
      const input = c.req.valid('json');
      const shopId = shopFor(c.var.principal, input.shop_id ?? c.req.valid('query').shop_id);
      const to = await testPerson(shopId, bot_user_id);
      const answer = await turnAfter(to, 'text', { text: input.text }, (tx) =>
        runtime.textInTx(tx, to.id, input.text),
      );
      return c.json(ok(answer), 201);
    })
    .openapi(press, async (c) => {
      const { bot_user_id } = c.req.valid('param');
      const input = c.req.valid('json');
      const shopId = shopFor(c.var.principal, input.shop_id ?? c.req.valid('query').shop_id);
      const to = await testPerson(shopId, bot_user_id);
      const [message] = await messages.chat(to.bot_id, to.chat_id, input.message_id - 1);
      const button =
        message?.id === input.message_id && message.direction === 'out'
          ? message.buttons
              .flat()
              .find((b) => itemOfCallback(b.callback_data)?.itemId === input.menu_item_id)
          : undefined;
      if (!button?.callback_data)
        throw invalidField('menu_item_id', 'No such button under this message.');
      const data = button.callback_data;
      const answer = await turnAfter(
        to,
        'callback',
        { text: button.text, data },
        async (tx, id) => {
          const moved = await runtime.pressInTx(tx, to.id, data);
          // The person saw only the notice (a press on an outdated menu): the history says so.
          if (moved.notice) await messages.setNoticeInTx(tx, id, moved.notice);
          return moved;
        },
      );
      return c.json(ok(answer), 201);
    });
}
