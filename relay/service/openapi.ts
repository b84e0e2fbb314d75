import { API_ERROR_EXAMPLES } from '../http/api.js';

/**
 * What the OpenAPI document must say that no single route declares, because middleware
 * applied to many routes decides it (relay/app.ts, relay/http/guards.ts, the public guard):
 * - an `operationId` for every operation that has none, derived from its method and path
 *   (`listShops`, `getShop`, `restartBot`…), so generated clients have stable names;
 * - 405 (with `Allow`) on every operation: another method on the same path;
 * - 413 and 415 on every management write: the body limit and the JSON-only guard;
 * - `WWW-Authenticate` on every bearer-authenticated 401;
 * - the widget API's publishable key as security schemes (`X-Touchpoint-Key` or `?key=`;
 *   writes may also carry it as the body's `key`), its `If-None-Match` / `Idempotency-Key`
 *   request headers and `ETag` / `Cache-Control` / `Idempotent-Replayed` / `Location`
 *   response headers, and the plain form post's HTML error pages.
 * Route-specific facts stay with their routes.
 */

type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

const header = (description: string, type: 'string' | 'integer' = 'string') => ({
  description,
  schema: { type },
});

const errorContent = (status: keyof typeof API_ERROR_EXAMPLES) => ({
  'application/json': {
    schema: { $ref: '#/components/schemas/Error' },
    example: API_ERROR_EXAMPLES[status].body,
  },
});

/** A page a person reads (the plain form post's answers): never cached. */
const html = (description: string) => ({
  description,
  headers: { 'Cache-Control': header('`no-store`') },
  content: { 'text/html': { schema: { type: 'string' } } },
});

const singular = (word: string) =>
  word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.endsWith('s') ? word.slice(0, -1) : word;
const pascal = (word: string) =>
  word
    .split(/[_-]/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
const camel = (word: string) => {
  const p = pascal(word);
  return p[0].toLowerCase() + p.slice(1);
};

/** Names the rule below would make awkward (auth, actions named after their platform path). */
const NAMES: Record<string, string> = {
  'post /api/auth/login/': 'login',
  'post /api/auth/set_password/': 'setPassword',
  'post /api/auth/logout/': 'logout',
  'post /api/auth/logoutall/': 'logoutAll',
  'get /api/bot/bot_users/export/': 'exportBotUsers',
  'post /api/bot/bot_user/unsafe_create/': 'createBotUser',
  'post /api/bot/bot_user/subscribe_to_flow/': 'subscribeToFlow',
  'post /api/bot/bot_user/unsubscribe_from_flow/': 'unsubscribeFromFlow',
  'post /api/webhooks/endpoints/{id}/rotate_secret/': 'rotateEndpointSecret',
  'get /public/v1/config': 'getWidgetConfig',
  'post /public/v1/leads': 'submitLead',
  'post /public/v1/optins': 'createOptin',
  'post /public/v1/forms/{key}': 'postForm',
  'get /public/v1/thanks': 'getThanksPage',
};

/**
 * `GET /api/shop/shops/` → listShops, `POST` → createShop, `GET …/{id}/` → getShop,
 * `PATCH` → updateShop, `DELETE` → deleteShop; an action after a resource:
 * `POST /api/bot/bot/{id}/restart/` → restartBot, `GET …/status/` → getBotStatus,
 * `POST /api/bot/messages/send_message/` → sendMessage; the widget API's `/public/v1/…`
 * paths the same way (publicConfig…).
 */
export function operationIdOf(method: string, path: string): string {
  const named = NAMES[`${method} ${path}`];
  if (named) return named;
  const segments = path.split('/').filter(Boolean);
  const isPublic = segments[0] === 'public';
  // /api/<group>/… and /public/v1/…: the group and version say nothing about the operation.
  const parts = segments.slice(2);
  const names = parts.filter((s) => !s.startsWith('{'));
  const last = parts.at(-1) ?? '';
  const prefix = isPublic ? 'public' : '';
  const join = (...words: string[]) => camel(prefix + words.map(pascal).join(''));
  if (names.length === 1) {
    const [name] = names;
    if (last.startsWith('{'))
      return join(
        { get: 'get', patch: 'update', put: 'replace', delete: 'delete', post: 'post' }[method] ??
          method,
        singular(name),
      );
    if (method === 'get') return join('list', name);
    if (method === 'post') return join(isPublic ? 'post' : 'create', singular(name));
    return join(method, name);
  }
  const object = singular(names.at(-2)!);
  const action = names.at(-1)!;
  if (action.includes(object)) return join(action);
  return method === 'get' ? join('get', object, action) : join(action, object);
}

/** Adds to `doc` (in place) what middleware decides; returns it. */
export function completeDocument(doc: Json): Json {
  doc.components ??= {};
  doc.components.securitySchemes = {
    ...doc.components.securitySchemes,
    publishableKey: {
      type: 'apiKey',
      in: 'header',
      name: 'X-Touchpoint-Key',
      description:
        'A publishable key (pk_…) of the shop, for the widget API. Also accepted as `?key=` (publishableKeyQuery) and, on writes, as the JSON body’s `key`. A secret key here is refused (401).',
    },
    publishableKeyQuery: {
      type: 'apiKey',
      in: 'query',
      name: 'key',
      description: 'The publishable key as a query parameter.',
    },
  };
  const usedIds = new Set<string>();
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {}))
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId ??= operationIdOf(method, path);
      if (usedIds.has(op.operationId)) op.operationId = `${op.operationId}${pascal(method)}`;
      usedIds.add(op.operationId);
      op.responses ??= {};
      // Open to anyone (login, the thank-you page, a form post keyed by its path): said, not implied.
      op.security ??= [];
      if (path.startsWith('/api/')) completeManagement(op, method);
      else if (path.startsWith('/public/v1/')) completePublic(op, method, path);
    }
  return doc;
}

const methodNotAllowed = () => ({
  description: 'Another method than this path answers; `Allow` lists the ones it does.',
  headers: { Allow: header('The methods this path answers, e.g. `GET, HEAD, POST`.') },
  content: errorContent(405),
});

function completeManagement(op: Json, method: string) {
  const r = op.responses;
  r['405'] ??= methodNotAllowed();
  if (method === 'post' || method === 'put' || method === 'patch') {
    r['413'] ??= {
      description: 'The body is over 256 KiB (the connection is closed).',
      content: errorContent(413),
    };
    r['415'] ??= {
      description: 'A body that is not JSON (`Content-Type: application/json`).',
      content: errorContent(415),
    };
  }
  if (op.security?.some((s: Json) => 'bearer' in s) && r['401'])
    r['401'].headers = {
      ...r['401'].headers,
      'WWW-Authenticate': header('`Bearer`: send `Authorization: Bearer <token or sk_ key>`.'),
    };
}

function completePublic(op: Json, method: string, path: string) {
  const r = op.responses;
  r['405'] ??= methodNotAllowed();
  const cors = header(
    'The requesting origin when it may read the answer (an allowed origin; on errors any origin, so that the widget can explain).',
  );
  if (path === '/public/v1/config' || path === '/public/v1/leads' || path === '/public/v1/optins') {
    op.security = [{ publishableKey: [] }, { publishableKeyQuery: [] }];
    for (const [status, response] of Object.entries<Json>(r))
      if (Number(status) < 500)
        response.headers = { 'Access-Control-Allow-Origin': cors, ...response.headers };
  }
  op.parameters ??= [];
  const param = (name: string, description: string) =>
    op.parameters.some((p: Json) => p.name === name && p.in === 'header')
      ? undefined
      : op.parameters.push({
          name,
          in: 'header',
          required: false,
          description,
          schema: { type: 'string' },
        });
  if (path === '/public/v1/config') {
    param('If-None-Match', 'The ETag of a config read before: 304 when it did not change.');
    const cache = header('`public, max-age=60`');
    const etag = header('The config’s version: send it back as `If-None-Match`.');
    r['200'].headers = { ...r['200'].headers, ETag: etag, 'Cache-Control': cache };
    if (r['304']) r['304'].headers = { ...r['304'].headers, ETag: etag, 'Cache-Control': cache };
  }
  if (path === '/public/v1/leads') {
    param(
      'Idempotency-Key',
      'Makes the submission idempotent (instead of, or as well as, `submission_id`): the same key with the same body answers the first answer again; with another body 422.',
    );
    r['202'].headers = {
      ...r['202'].headers,
      'Idempotent-Replayed': header('`true` when this is the stored answer of an earlier request.'),
    };
  }
  if (path === '/public/v1/forms/{key}' && method === 'post') {
    r['303'].headers = {
      ...r['303'].headers,
      Location: header(
        'The form’s `_redirect` (an allowed origin of the key) or the thank-you page.',
      ),
    };
    r['400'] = html('An HTML page listing the invalid fields.');
    r['401'] ??= html('An HTML page: the key in the path is missing, secret, invalid or revoked.');
    r['403'] ??= html('An HTML page: the page’s origin is not one of the key’s allowed_origins.');
    r['413'] ??= html('An HTML page: the form is over 64 KiB.');
    r['415'] ??= html('An HTML page: the body is not a form (urlencoded or multipart).');
    r['422'] ??= html('An HTML page: this submission_id was sent before with other values.');
    const tooMany = html('An HTML page: too many posts from this address or key; see Retry-After.');
    r['429'] ??= {
      ...tooMany,
      headers: {
        ...tooMany.headers,
        'Retry-After': header('Seconds to wait before trying again.', 'integer'),
      },
    };
  }
  if (path === '/public/v1/thanks')
    r['200'].headers = { ...r['200'].headers, 'Cache-Control': header('`no-store`') };
}
