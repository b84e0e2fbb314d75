import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Config } from './config.js';
import type { Db } from './db/open.js';
import { createStores, type Deps } from './deps.js';
import { requireAuth } from './auth/middleware.js';
import { authRoutes } from './auth/routes.js';
import { createRouter, type AppEnv } from './http/api.js';
import { ApiError } from './http/errors.js';
import { bodyLimit, jsonOnly } from './http/guards.js';
import { installZodMessages } from './http/zod-messages.js';
import { keyRoutes } from './keys/routes.js';
import { docsRoutes } from './service/docs.js';
import { shopRoutes } from './shops/routes.js';

/** Management API bodies are small JSON documents; anything larger is a mistake or abuse. */
export const API_BODY_LIMIT = 256 * 1024;

export type AppOptions = { db: Db; config: Config };

/**
 * Builds the whole relay as one Hono app. Each resource is a sub-app; errors of every kind
 * become the API's envelope in `onError`, once.
 */
export function createApp({ db, config }: AppOptions) {
  installZodMessages();
  const deps: Deps = { db, config, stores: createStores(db) };
  const auth = requireAuth(deps.stores);

  const api = createRouter();
  api.use('*', bodyLimit(API_BODY_LIMIT), jsonOnly());
  for (const prefix of ['/shop/*', '/bot/*', '/store/*', '/notifications/*', '/webhooks/*']) {
    api.use(prefix, auth);
  }
  api.route('/auth', authRoutes(deps));
  api.route('/shop', shopRoutes(deps));
  api.route('/shop', keyRoutes(deps));

  const app = new OpenAPIHono<AppEnv>({ strict: false });
  app.get('/healthz', (c) => {
    db.prepare('SELECT 1').get();
    return c.json({ status: 'ok' });
  });
  app.route('/api', api);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A login token from POST /api/auth/login/ or a shop secret key (sk_…).',
  });
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(app, config)));
  app.route('/', docsRoutes());

  app.notFound((c) => {
    const status = otherMethodAllowed(app, c) ? 405 : 404;
    const error = new ApiError(status, status === 405 ? 'Method not allowed.' : 'Not found.');
    return c.json(error.body, status);
  });
  app.onError((err, c) => errorResponse(err, c));
  return app;
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
  } else if (isSqliteConstraint(err)) {
    // A race the route's own checks could not see (two requests creating the same name).
    error = err.code.includes('UNIQUE')
      ? new ApiError(409, 'An object with these values already exists.')
      : new ApiError(400, 'The request refers to an object that does not exist.');
  } else {
    console.error(err);
    return c.json({ status: 'error', errors: { common: 'Internal server error.' } }, 500);
  }
  return c.json(error.body, error.status, error.headers);
}

const isSqliteConstraint = (err: unknown): err is Error & { code: string } =>
  typeof (err as { code?: unknown }).code === 'string' &&
  (err as { code: string }).code.startsWith('SQLITE_CONSTRAINT');

/** 405 rather than 404 when the path exists under another method (RFC 9110 §15.5.6). */
function otherMethodAllowed(app: OpenAPIHono<AppEnv>, c: Context): boolean {
  const path = c.req.path.replace(/\/+$/, '') || '/';
  return app.routes.some(
    (r) =>
      r.method !== 'ALL' &&
      r.method !== c.req.method &&
      new RegExp(
        `^${r.path
          .replace(/\/+$/, '')
          .replace(/:[^/]+/g, '[^/]+')
          .replace(/\*/g, '.*')}$`,
      ).test(path),
  );
}

/** OpenAPI 3.1 from the routes' zod schemas; API paths shown with their canonical trailing slash. */
function openApiDocument(app: OpenAPIHono<AppEnv>, config: Config) {
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Touchpoint API',
      version: '1',
      description:
        'Management API in the conventions of the HighTouch / Chat API bot constructor: JSON envelope, limit/offset pages, bearer tokens, shop scoping. Every path also answers without its trailing slash.',
    },
    servers: [{ url: config.publicUrl }],
  });
  doc.paths = Object.fromEntries(
    Object.entries(doc.paths ?? {}).map(([p, v]) => [
      p.startsWith('/api/') && !p.endsWith('/') ? `${p}/` : p,
      v,
    ]),
  );
  return doc;
}
