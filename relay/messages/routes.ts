import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
import {
  createRouter,
  errorResponse,
  errorResponses,
  IdParam,
  jsonBody,
  ok,
  okJson,
  pageJson,
  security,
} from '../http/api.js';
import { conflict, invalidField } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { createMessageSender, SENDABLE_BOTS } from './outbox.js';
import {
  Message,
  MessageFilter,
  SendMessageInput,
  stepCallback,
  type OutgoingButton,
  type OutgoingPayload,
} from './schemas.js';

const common = { tags: ['messages'], security };

const send = createRoute({
  ...common,
  method: 'post',
  path: '/messages/send_message',
  summary: 'Queue a message to one bot user (text, image or file URL, inline buttons)',
  request: { query: ShopQuery, body: jsonBody(SendMessageInput) },
  responses: {
    201: okJson(Message, 'Queued: the message with its delivery id and status'),
    ...errorResponses,
    409: errorResponse(
      409,
      'The bot user unsubscribed from the bot.',
      'This bot user has unsubscribed from the bot.',
    ),
  },
});
const list = createRoute({
  ...common,
  method: 'get',
  path: '/messages',
  summary: 'Message history in both directions, newest first, with delivery status',
  request: { query: PageQuery.extend(ShopQuery.shape).extend(MessageFilter.shape) },
  responses: { 200: pageJson(Message), ...errorResponses },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/messages/{id}',
  summary: 'Read one message and its delivery status',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Message), ...errorResponses },
});

/** Buttons in rows of `cols`. */
const rows = (buttons: OutgoingButton[], cols: number): OutgoingButton[][] => {
  const out: OutgoingButton[][] = [];
  for (let i = 0; i < buttons.length; i += cols) out.push(buttons.slice(i, i + cols));
  return out;
};

export function messageRoutes({ db, stores }: Deps) {
  const sender = createMessageSender(db, stores);

  return createRouter()
    .openapi(send, async (c) => {
      const input = c.req.valid('json');
      const shopId = shopFor(c.var.principal, input.shop_id ?? c.req.valid('query').shop_id);
      const to = await stores.subscribers.recipient(input.bot_user_id);
      if (!to || to.shop_id !== shopId)
        throw invalidField('bot_user_id', 'No such bot user in this shop.');
      if (!SENDABLE_BOTS.has(to.bot_type) || !to.chat_id)
        throw invalidField('bot_user_id', 'This bot user has no messenger chat to send to.');
      if (!to.subscribed)
        throw conflict('This bot user has unsubscribed from the bot.', {
          bot_user_id: ['This bot user has unsubscribed from the bot.'],
        });
      const buttons: OutgoingButton[] = [];
      for (const [i, b] of (input.inline_buttons ?? []).entries()) {
        if (b.step_id !== undefined) {
          const step = await stores.scenario.steps.get(b.step_id);
          if (!step || step.shop_id !== shopId)
            throw invalidField(`inline_buttons.${i}.step_id`, 'No such step in this shop.');
          // A press runs the step in the bot user's conversation: only their bot's flows can.
          const flow = await stores.scenario.flows.get(step.flow_id);
          if (flow?.bot_id !== to.bot_id)
            throw invalidField(
              `inline_buttons.${i}.step_id`,
              "Choose a step of a flow of the bot user's bot.",
            );
          buttons.push({ text: b.text, callback_data: stepCallback(b.step_id) });
        } else buttons.push({ text: b.text, url: b.url });
      }
      const { text, image_url, file_url } = input.payload;
      // Plain text: the adapter escapes it for the messenger (Telegram HTML).
      const payload: OutgoingPayload = { text };
      if (image_url) payload.image_url = image_url;
      if (file_url) payload.file_url = file_url;
      if (buttons.length) payload.buttons = rows(buttons, input.inline_buttons_cols);
      const message = await sender.send(
        { ...to, chat_id: to.chat_id },
        'bot_user.message',
        payload,
      );
      return c.json(ok(message), 201);
    })
    .openapi(list, async (c) => {
      const { shop_id, limit, offset, ...filter } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const page = { limit, offset };
      const { count, rows: results } = await stores.messages.list(shopId, filter, page);
      return c.json(ok(toPage(c.req.url, page, count, results)), 200);
    })
    .openapi(read, async (c) => {
      const message = await stores.messages.get(c.req.valid('param').id);
      return c.json(
        ok(owned(c.var.principal, message, 'Message', c.req.valid('query').shop_id)),
        200,
      );
    });
}
