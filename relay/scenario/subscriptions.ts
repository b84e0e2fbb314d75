import { createRoute, z } from '@hono/zod-openapi';
import { shopFor, ShopId, ShopQuery } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import {
  createRouter,
  errorResponse,
  errorResponses,
  jsonBody,
  ok,
  okJson,
  security,
} from '../http/api.js';
import { conflict, invalidField } from '../http/errors.js';

const common = { tags: ['scenario'], security };

export const FlowSubscription = z
  .object({
    shop_id: ShopId.optional(),
    flow_id: z.number().int().positive(),
    bot_user_id: z.number().int().positive(),
  })
  .openapi('FlowSubscription');

/** Where a bot user is in a flow after the call. */
export const FlowRun = z
  .object({
    bot_user_id: z.number().int(),
    flow_id: z.number().int(),
    /** The step the run waits at; null when the flow ended or was stopped. */
    step_id: z.number().int().nullable(),
    /** `buttons`: a press; `answer`: a reply to a question; `delay`: until `resume_at`. */
    waiting: z.enum(['buttons', 'answer', 'delay']).nullable(),
    resume_at: z.string().nullable(),
    /** Steps run by this call (subscribe), 0 for unsubscribe. */
    steps: z.number().int(),
    /** unsubscribe: whether the bot user was in that flow. */
    stopped: z.boolean(),
  })
  .openapi('FlowRun');
type FlowRun = z.infer<typeof FlowRun>;

const subscribe = createRoute({
  ...common,
  method: 'post',
  path: '/bot_user/subscribe_to_flow',
  summary: 'Start a flow for a bot user (replacing the flow they are in)',
  description:
    'Runs the flow from its first step until a step waits for the user; its messages are queued at once. ' +
    "The flow must be of the bot user's bot and have a first step.",
  request: { query: ShopQuery, body: jsonBody(FlowSubscription) },
  responses: {
    200: okJson(FlowRun, 'Started: where the bot user now waits'),
    ...errorResponses,
    409: errorResponse(
      409,
      'The bot user unsubscribed from the bot.',
      'The bot user unsubscribed from the bot.',
    ),
  },
});
const unsubscribe = createRoute({
  ...common,
  method: 'post',
  path: '/bot_user/unsubscribe_from_flow',
  summary: "Stop a bot user's run of a flow and cancel its pending delay",
  request: { query: ShopQuery, body: jsonBody(FlowSubscription) },
  responses: { 200: okJson(FlowRun, 'Stopped (or was not running)'), ...errorResponses },
});

/**
 * Subscribing a bot user to a flow and back, as the platform's bot constructor does. Both
 * run in one write transaction with their checks, so a flow or bot user deleted meanwhile
 * cannot be half-started.
 */
export function flowSubscriptionRoutes({ db, stores }: Deps) {
  const runtime = stores.scenarioRuntime;

  /** The bot user and flow, both of the shop, the flow of the bot user's bot. */
  const check = (shopId: number, flowId: number, botUserId: number) => {
    const user = stores.botUsers.getInTx(botUserId);
    if (!user || user.shop_id !== shopId)
      throw invalidField('bot_user_id', 'No such bot user in this shop.');
    const flow = stores.scenario.flowInTx(flowId);
    if (!flow || flow.shop_id !== shopId)
      throw invalidField('flow_id', 'No such flow in this shop.');
    if (flow.bot_id !== user.bot.id)
      throw invalidField(
        'flow_id',
        `This flow is for bot ${flow.bot_id}; the bot user is of bot ${user.bot.id}.`,
      );
    return { user, flow };
  };

  const view = (botUserId: number, flowId: number, steps: number, stopped: boolean): FlowRun => {
    const run = runtime.runs.get(botUserId);
    const current = run?.flow_id === flowId;
    return {
      bot_user_id: botUserId,
      flow_id: flowId,
      step_id: current ? run.step_id : null,
      waiting: current ? run.waiting : null,
      resume_at: current ? run.resume_at : null,
      steps,
      stopped,
    };
  };

  const subscribeTx = db.transaction((shopId: number, flowId: number, botUserId: number) => {
    const { user, flow } = check(shopId, flowId, botUserId);
    if (flow.first_step_id === null)
      throw invalidField('flow_id', 'This flow has no first step yet: set its first_step_id.');
    if (!user.store.subscribed_to_bot) throw conflict('The bot user unsubscribed from the bot.');
    const { steps } = runtime.startInTx(botUserId, flowId);
    return view(botUserId, flowId, steps, false);
  });
  const unsubscribeTx = db.transaction((shopId: number, flowId: number, botUserId: number) => {
    check(shopId, flowId, botUserId);
    const stopped = runtime.stopInTx(botUserId, flowId);
    return view(botUserId, flowId, 0, stopped);
  });

  return createRouter()
    .openapi(subscribe, async (c) => {
      const input = c.req.valid('json');
      const shopId = shopFor(c.var.principal, input.shop_id ?? c.req.valid('query').shop_id);
      return c.json(ok(subscribeTx.immediate(shopId, input.flow_id, input.bot_user_id)), 200);
    })
    .openapi(unsubscribe, async (c) => {
      const input = c.req.valid('json');
      const shopId = shopFor(c.var.principal, input.shop_id ?? c.req.valid('query').shop_id);
      return c.json(ok(unsubscribeTx.immediate(shopId, input.flow_id, input.bot_user_id)), 200);
    });
}
