import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Config } from './config.js';
import type { Db } from './db/open.js';
import { constraintKind, sql } from './db/sql.js';
import { createStores, type Deps, type Stores } from './deps.js';
import { requireAuth } from './auth/middleware.js';
import { authRoutes } from './auth/routes.js';
import { botUserRoutes } from './bot-users/routes.js';
import { botChatRoutes } from './bots/chats.js';
import { botRoutes } from './bots/routes.js';
import { createChannels, type Channels } from './channels/index.js';
import { consoleRoutes } from './console-assets/routes.js';
import { conversationRoutes } from './conversations/routes.js';
import { customFieldRoutes } from './custom-fields/routes.js';
import { deliveryRoutes } from './delivery/routes.js';
import { demoRoutes } from './demo/routes.js';
import { createEventHub, type EventHub } from './events/hub.js';
import { eventStreamRoutes } from './events/stream.js';
import { createRouter, type AppEnv } from './http/api.js';
import { ApiError } from './http/errors.js';
import { createOutbound, type Outbound } from './http/outbound.js';
import { formRoutes } from './forms/routes.js';
import { bodyLimit, jsonOnly } from './http/guards.js';
import { installZodMessages } from './http/zod-messages.js';
import { keyRoutes } from './keys/routes.js';
import { channelRoutes } from './notifications/routes.js';
import { testAlertRoutes } from './notifications/test-alert.js';
import { leadRoutes } from './leads/routes.js';
import { memberRoutes } from './members/routes.js';
import { messageImageRoutes } from './messages/image.js';
import { messageRoutes } from './messages/routes.js';
import { orderRoutes } from './orders/routes.js';
import { orderTemplateRoutes } from './orders/templates.js';
import { benchEchoEnabled, benchEchoRoutes } from './public/bench-echo.js';
import { publicRoutes } from './public/routes.js';
import { tryRoutes } from './scenario/try.js';
import { flowRoutes, flowTransferRoutes, menuItemRoutes, stepRoutes } from './scenario/routes.js';
import { flowSubscriptionRoutes } from './scenario/subscriptions.js';
import { docsRoutes } from './service/docs.js';
import { completeDocument } from './service/openapi.js';
import { createMetrics, type Metrics } from './service/metrics.js';
import { shopRoutes } from './shops/routes.js';
import { tagRoutes } from './tags/routes.js';
import { webhookRoutes } from './webhooks/routes.js';
import { widgetAssetRoutes } from './widget-assets/routes.js';

/** Management API bodies are small JSON documents; anything larger is a mistake or abuse. */
export const API_BODY_LIMIT = 256 * 1024;

/** /healthz answers ok only when the database answers a query. */
const HEALTH_CHECK = sql<undefined, { ok: number }>(`SELECT 1 AS ok`);

export type AppOptions = {
  db: Db;
  config: Config;
  stores?: Stores;
  /** Shared with the worker by createRelay (relay/relay.ts); created here when absent. */
  metrics?: Metrics;
  channels?: Channels;
  /** Operator log lines (refused public requests); stderr when absent. */
  log?: Deps['log'];
  /** The relay's outbound HTTP client (createRelay shares one); created here when absent. */
  outbound?: Outbound;
  /** The event streams' hub (createRelay owns and stops it); created here when absent. */
  events?: EventHub;
  /** How often an idle event stream sends a heartbeat (tests shorten it). */
  streamHeartbeatMs?: number;
};

/**
 * Builds the whole relay as one Hono app. Each resource is a sub-app; errors of every kind
 * become the API's envelope in `onError`, once.
 */
export function createApp({ db, config, stores, log, streamHeartbeatMs, ...shared }: AppOptions) {
  installZodMessages();
  const deps: Deps = {
    db,
    config,
    stores: stores ?? createStores(db),
    outbound: shared.outbound ?? createOutbound(config),
    log,
  };
  const metrics = shared.metrics ?? createMetrics(deps.stores);
  // Without a relay around it (createRelay) nothing would stop a bot's polling loop.
  const channels = shared.channels ?? createChannels(deps, { connect: false });
  const auth = requireAuth(deps.stores, config);
  const hub = shared.events ?? createEventHub(deps.stores.eventLog);

  const api = createRouter();
  api.use('*', bodyLimit(API_BODY_LIMIT), jsonOnly());
  for (const prefix of [
    '/shop/*',
    '/bot/*',
    '/store/*',
    '/notifications/*',
    '/webhooks/*',
    '/events/*',
  ]) {
    api.use(prefix, auth);
  }
  // A token logged out here ends its event streams on this relay at once (other relays'
  // streams notice at their next heartbeat, when the token no longer opens the shop).
  api.use('/auth/logout*', async (c, next) => {
    await next();
    const p = c.var.principal;
    if (c.res.status !== 200 || p?.kind !== 'user') return;
    hub.revoke(c.req.path.includes('logoutall') ? { userId: p.userId } : { tokenId: p.tokenId });
  });
  api.route('/auth', authRoutes(deps));
  api.route('/shop', shopRoutes(deps));
  api.route('/shop', keyRoutes(deps));
  api.route('/shop', memberRoutes(deps));
  api.route('/store', formRoutes(deps));
  api.route('/store', leadRoutes(deps));
  api.route('/store', orderRoutes(deps));
  api.route('/store', orderTemplateRoutes(deps));
  // Before flowRoutes: /flows/import is not a flow id.
  api.route('/bot', flowTransferRoutes(deps));
  api.route('/bot', flowRoutes(deps));
  api.route('/bot', stepRoutes(deps));
  api.route('/bot', menuItemRoutes(deps));
  api.route('/bot', botRoutes(deps, channels.lifecycle, channels.messenger));
  api.route('/bot', botChatRoutes(deps));
  api.route('/bot', conversationRoutes(deps));
  api.route('/bot', messageRoutes(deps));
  api.route('/bot', messageImageRoutes(deps));
  api.route('/bot', botUserRoutes(deps));
  api.route('/bot', flowSubscriptionRoutes(deps));
  api.route('/bot', tryRoutes(deps));
  api.route('/store', tagRoutes(deps));
  api.route('/store', customFieldRoutes(deps));
  api.route('/notifications', channelRoutes(deps));
  api.route('/notifications', testAlertRoutes(deps));
  api.route('/notifications', deliveryRoutes(deps));
  api.route('/webhooks', webhookRoutes(deps));
  api.route(
    '/events',
    eventStreamRoutes(deps.stores, config, hub, { heartbeatMs: streamHeartbeatMs }),
  );

  const app = new OpenAPIHono<AppEnv>({ strict: false });
  app.use('*', metrics.middleware);
  app.get('/healthz', async (c) => {
    await db.value(HEALTH_CHECK);
    return c.json({ status: 'ok' });
  });
  app.route('/api', api);
  // The widget's API: publishable keys, CORS per key; not behind the management auth.
  app.route('/public/v1', publicRoutes(deps));
  if (benchEchoEnabled()) app.route('/', benchEchoRoutes());
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A login token from POST /api/auth/login/ or a shop secret key (sk_…).',
  });
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(app)));
  app.route('/', docsRoutes());
  app.route('/', metrics.routes());
  // The messengers' webhook endpoints; in demo mode the sandbox messenger's inbox.
  channels.mount(app);
  // The demo shop website under /demo/ (its inbox, /demo/inbox/, is the sandbox channel's).
  if (config.demo) app.route('/', demoRoutes(deps));
  app.route('/', widgetAssetRoutes());
  app.route('/', consoleRoutes());

  app.notFound((c) => {
    const allowed = allowedMethods(app, c);
    if (allowed.length) {
      // RFC 9110 §15.5.6: a 405 lists the methods the path answers.
      const error = new ApiError(405, 'Method not allowed.');
      return c.json(error.body, 405, { Allow: allowed.join(', ') });
    }
    return c.json(new ApiError(404, 'Not found.').body, 404);
  });
  app.onError((err, c) => errorResponse(err, c));
  return Object.assign(app, { events: hub });
}
export type App = ReturnType<typeof createApp>;

/** The one place where thrown errors become HTTP answers. */
export function errorResponse(err: Error, c: Context): Response {
  let error: ApiError;
  if (err instanceof ApiError) error = err;
  else if (err instanceof HTTPException) {
    const malformed = err.status === 400 && /json/i.test(err.message);
    error = new ApiError(
      err.status as ApiError['status'],
      malformed ? 'Malformed JSON in request body.' : err.message || 'Bad request.',
    );
  } else if (constraintKind(err)) {
    // A race the route's own checks could not see (two requests creating the same name), on
    // either engine.
    error =
      constraintKind(err) === 'unique'
        ? new ApiError(409, 'An object with these values already exists.')
        : new ApiError(400, 'The request refers to an object that does not exist.');
  } else {
    console.error(err);
    return c.json({ status: 'error', errors: { common: 'Internal server error.' } }, 500);
  }
  return c.json(error.body, error.status, error.headers);
}

/**
 * The methods the path answers under, when it exists under another method than the request's:
 * 405 rather than 404 then (RFC 9110 §15.5.6). Empty for a path that does not exist.
 */
function allowedMethods(app: OpenAPIHono<AppEnv>, c: Context): string[] {
  const path = c.req.path.replace(/\/+$/, '') || '/';
  const methods = new Set(
    app.routes
      .filter(
        (r) =>
          r.method !== 'ALL' &&
          new RegExp(
            `^${r.path
              .replace(/\/+$/, '')
              .replace(/:[^/]+/g, '[^/]+')
              .replace(/\*/g, '.*')}$`,
          ).test(path),
      )
      .map((r) => r.method),
  );
  if (!methods.size || methods.has(c.req.method)) return [];
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** OpenAPI 3.1 from the routes' zod schemas; API paths shown with their canonical trailing slash. */
function openApiDocument(app: OpenAPIHono<AppEnv>) {
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Touchpoint API',
      version: '1',
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
      description:
        'Management API in the conventions of the HighTouch / Chat API bot constructor: JSON envelope, limit/offset pages, bearer tokens, shop scoping. Every path also answers without its trailing slash.',
    },
    // Relative: "Try it out" calls the host the document was read from, whichever name or
    // proxy that was, not TOUCHPOINT_PUBLIC_URL.
    servers: [{ url: '/' }],
  });
  doc.paths = Object.fromEntries(
    Object.entries(doc.paths ?? {}).map(([p, v]) => [
      p.startsWith('/api/') && !p.endsWith('/') ? `${p}/` : p,
      v,
    ]),
  );
  // What middleware decides for many routes at once (relay/service/openapi.ts).
  return completeDocument(doc);
}
