import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { Context } from 'hono';
import { shopFor, ShopId, type Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import type { Stores } from '../deps.js';
import { createRouter, errorResponses, security, type AppEnv } from '../http/api.js';
import { invalidField } from '../http/errors.js';
import type { EventHub, StreamOwner } from './hub.js';
import { STREAM_EVENT_TYPES, type LoggedEvent, type StreamEventType } from './log.js';

/** How often an idle stream says it is alive (and checks its token is still valid). */
export const HEARTBEAT_MS = 15_000;
/** What an EventSource waits before reconnecting (`retry:`); the console does the same. */
const RETRY_MS = 3_000;

const StreamQuery = z.object({
  shop_id: ShopId.optional().openapi({
    param: { name: 'shop_id', in: 'query' },
    description: 'The shop whose events to follow; required with a login token.',
  }),
  types: z
    .string()
    .max(500)
    .optional()
    .openapi({
      param: { name: 'types', in: 'query' },
      description: `Comma-separated event types to receive (default: all): ${STREAM_EVENT_TYPES.join(', ')}.`,
    }),
  last_event_id: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({
      param: { name: 'last_event_id', in: 'query' },
      description:
        'Where to resume, as the `Last-Event-ID` header (which wins when both are sent).',
    }),
});

const EVENT_DOC = `A \`text/event-stream\` (https://html.spec.whatwg.org/multipage/server-sent-events.html). Each event has \`id:\` (send the last one as \`Last-Event-ID\` to resume: events are kept 7 days and replayed in order, also after a relay restart), \`event:\` (its type) and \`data:\` \`{"id", "type", "shop_id", "created_at", "data"}\` where \`data\` is the API object the event is about as its GET returns it now (the lead, the order with \`previous_status\`, the bot user, the message with \`bot_user\`, the bot chat, the flow whose steps or buttons someone saved), or \`{"id", "deleted": true}\` once deleted. Other events: \`ready\` (the stream is live), \`reset\` (the last event id is too old or unknown: reload what you show), \`end\` (\`{"reason"}\`: logged out, access removed, relay stopping; do not reconnect with the same token after "logged out"). A comment line every ${HEARTBEAT_MS / 1000} s keeps proxies from closing an idle stream.`;

const stream = createRoute({
  tags: ['events'],
  security,
  method: 'get',
  path: '/stream',
  operationId: 'streamShopEvents',
  summary: 'Follow a shop’s events live (server-sent events), resuming from Last-Event-ID',
  description:
    'Authenticated like every management call, with `Authorization: Bearer` — so a browser reads it with fetch and a streamed body, not EventSource, which cannot send headers (a token in the URL would end up in logs and history). ' +
    'Members and the shop’s secret key see the shop’s operational events; nothing in the stream is an owner’s secret.',
  request: {
    query: StreamQuery,
    // Read with c.req.header (any case); declared here for the document.
    headers: z.object({
      'Last-Event-ID': z.string().max(20).optional().openapi({
        description: 'The `id:` of the last event received: the stream resumes after it.',
      }),
    }),
  },
  responses: {
    200: {
      description: EVENT_DOC,
      content: { 'text/event-stream': { schema: z.string() } },
      headers: {
        'Cache-Control': { description: '`no-cache`', schema: { type: 'string' as const } },
      },
    },
    ...errorResponses,
  },
});

type Loaders = Pick<Stores, 'leads' | 'orders' | 'botUsers' | 'messages' | 'botChats' | 'scenario'>;

/**
 * The API object an event is about, read now (the log keeps references, not copies): what
 * the stream sends as the event's `data`. Null when it belongs to another shop (never: the
 * log is per shop; checked anyway) — sent as deleted.
 */
async function load(stores: Loaders, e: LoggedEvent): Promise<Record<string, unknown>> {
  const d = e.data;
  const mine = <T extends { shop_id: number }>(row: T | undefined) =>
    row && row.shop_id === e.shop_id ? row : undefined;
  let obj: Record<string, unknown> | undefined;
  const id = Number(
    d.lead_id ?? d.order_id ?? d.message_id ?? d.bot_user_id ?? d.bot_chat_id ?? d.flow_id ?? 0,
  );
  switch (e.type) {
    case 'lead.created':
      obj = mine(await stores.leads.get(id));
      break;
    case 'order.created':
    case 'order.status_changed': {
      const order = mine(await stores.orders.get(id));
      obj = order && (d.previous_status ? { ...order, previous_status: d.previous_status } : order);
      break;
    }
    case 'bot_user.subscribed':
      obj = mine(await stores.botUsers.get(id));
      break;
    case 'message.received':
    case 'message.created': {
      const message = mine(await stores.messages.get(id));
      const person = message?.bot_user_id
        ? await stores.botUsers.get(message.bot_user_id)
        : undefined;
      obj = message && { ...message, bot_user: mine(person) ?? null };
      break;
    }
    case 'bot.chat_updated':
      obj = mine(await stores.botChats.get(id));
      break;
    case 'flow.updated':
      obj = mine(await stores.scenario.flows.get(id));
      break;
  }
  return obj ?? { id, deleted: true };
}

const ownerOf = (p: Principal): StreamOwner =>
  p.kind === 'user' ? { tokenId: p.tokenId, userId: p.userId } : { keyId: p.keyId };

/**
 * `GET /api/events/stream/`: the shop's events as server-sent events. The hub (one per relay)
 * reads the shop event log; this route turns its events into SSE frames, checks every
 * heartbeat that the token still opens the shop (a removed member or a token revoked on
 * another relay ends the stream), and ends at once when this relay logs the token out.
 */
export function eventStreamRoutes(
  stores: Stores,
  config: Pick<Config, 'tokenTtlMs'>,
  hub: EventHub,
  { heartbeatMs = HEARTBEAT_MS }: { heartbeatMs?: number } = {},
) {
  const stillAllowed = async (c: Context<AppEnv>, shopId: number): Promise<boolean> => {
    const p = c.var.principal;
    const token = /^(?:Bearer|Token)\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) return false;
    if (p.kind === 'secret_key') return (await stores.keys.find(token, 'secret'))?.id === p.keyId;
    const found = await stores.users.findToken(token, config.tokenTtlMs);
    return !!found && (await stores.users.roles(found.userId)).has(shopId);
  };

  return createRouter().openapi(stream, async (c) => {
    const query = c.req.valid('query');
    const shopId = shopFor(c.var.principal, query.shop_id);
    const types = new Set<string>(
      query.types ? query.types.split(',').map((t) => t.trim()) : STREAM_EVENT_TYPES,
    );
    const unknown = [...types].filter(
      (t) => !(STREAM_EVENT_TYPES as readonly string[]).includes(t),
    );
    if (unknown.length) throw invalidField('types', `Unknown event type: ${unknown.join(', ')}.`);
    const header = c.req.header('last-event-id');
    const lastId =
      header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : query.last_event_id;
    const from =
      lastId === undefined ? null : ((await stores.eventLog.cursorOf(lastId, shopId)) ?? null);

    return streamSSE(c, async (sse) => {
      let finish!: () => void;
      const ended = new Promise<void>((r) => (finish = r));
      // Frames are written one after another: events, heartbeats and the end never interleave.
      let queue = Promise.resolve();
      const write = (fn: () => Promise<void>) =>
        (queue = queue
          .then(() => (sse.closed || sse.aborted ? undefined : fn()))
          .catch(() => finish()));
      const end = (reason: string) => {
        write(() => sse.writeSSE({ event: 'end', data: JSON.stringify({ reason }) }));
        void queue.then(finish);
      };
      const send = (events: LoggedEvent[]) => {
        for (const e of events)
          if (types.has(e.type))
            write(async () =>
              sse.writeSSE({
                id: String(e.id),
                event: e.type,
                data: JSON.stringify({
                  id: e.id,
                  type: e.type as StreamEventType,
                  shop_id: e.shop_id,
                  created_at: e.created_at,
                  data: await load(stores, e),
                }),
              }),
            );
      };

      await sse.writeSSE({
        event: 'ready',
        data: JSON.stringify({ shop_id: shopId }),
        retry: RETRY_MS,
      });
      // A last event id the log no longer has (pruned, or never this shop's): start from now,
      // and say so, so that the client reloads instead of trusting a gap.
      if (lastId !== undefined && from === null) await sse.writeSSE({ event: 'reset', data: '{}' });
      const unsubscribe = await hub.subscribe(shopId, ownerOf(c.var.principal), from, send, end);
      sse.onAbort(() => finish());
      const beat = setInterval(() => {
        write(async () => {
          if (!(await stillAllowed(c, shopId))) return end('access removed');
          await sse.write(': heartbeat\n\n');
        });
      }, heartbeatMs);
      try {
        await ended;
      } finally {
        clearInterval(beat);
        unsubscribe();
      }
    });
  });
}
