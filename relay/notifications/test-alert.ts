import { createRoute, z } from '@hono/zod-openapi';
import { owned, ShopQuery } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { DeliverySchema } from '../delivery/schemas.js';
import { emitInTx } from '../events/emit.js';
import {
  createRouter,
  errorResponse,
  errorResponses,
  IdParam,
  ok,
  okJson,
  security,
} from '../http/api.js';
import { conflict } from '../http/errors.js';

export const TestAlert = z
  .object({
    channel_id: z.number().int(),
    /** The queued delivery: follow it with GET /api/notifications/deliveries/:id/. */
    delivery: DeliverySchema,
  })
  .openapi('TestAlert');

const NOTHING = 'This channel cannot send alerts (its bot is gone): nothing was queued.';

const test = createRoute({
  tags: ['staff alerts'],
  security,
  method: 'post',
  path: '/channels/{id}/test',
  operationId: 'testAlertChannel',
  summary:
    'Send a test alert through the channel, on the real delivery path (outbox, worker, messenger); paused channels too',
  request: { params: IdParam, query: ShopQuery },
  responses: {
    202: okJson(TestAlert, 'Queued: the delivery’s status says when it was sent, or why not'),
    409: errorResponse(
      409,
      'The channel has nothing to send through (its bot was deleted).',
      NOTHING,
    ),
    ...errorResponses,
  },
});

/**
 * `POST /api/notifications/channels/:id/test/`: one `alert.test` delivery to this channel
 * alone, queued like any alert (relay/events/emit.ts), so a wrong chat, a bot not in the
 * group or an unreachable URL shows as the delivery's error. Any member may send one: it
 * changes nothing and shows no secret.
 */
export function testAlertRoutes({ db, stores }: Deps) {
  return createRouter().openapi(test, async (c) => {
    const channel = owned(
      c.var.principal,
      await stores.channels.get(c.req.valid('param').id),
      'Channel',
      c.req.valid('query').shop_id,
    );
    const [id] = await db.tx(async (tx) => {
      const target = await stores.eventTargets.channelInTx(tx, channel.id);
      return emitInTx(
        tx,
        stores,
        { shop_id: channel.shop_id, event: 'alert.test', data: { channel_id: channel.id } },
        { channels: target ? [target] : [], endpoints: [] },
      );
    });
    if (id === undefined) throw conflict(NOTHING);
    return c.json(
      ok({ channel_id: channel.id, delivery: (await stores.deliveries.get(id))! }),
      202,
    );
  });
}
