import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Deps } from '../deps.js';
import { errorResponse, ok, okJson } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { ApiError, badRequest, invalidField, validationError } from '../http/errors.js';
import { requestHeader } from './body.js';
import { createPublicCache } from './cache.js';
import { verifyCaptcha } from './captcha.js';
import { etagMatches } from './config.js';
import { formPostRoutes } from './form-post.js';
import { createPublicGuard, type PublicEnv } from './guard.js';
import { submissionHash } from './idempotency.js';
import { draftLead } from './intake.js';
import { createLeadWriter, MISMATCH, storedAnswer, type LeadAnswer } from './lead-writer.js';
import { botLink, botWebLink } from '../channels/links.js';
import { createRefusalLog } from './refusals.js';
import {
  KeyQuery,
  LeadAccepted,
  Optin,
  OptinInput,
  PublicConfig,
  PublicLeadInput,
  SubmissionId,
} from './schemas.js';

const publicErrors = {
  400: errorResponse(400, 'Invalid input; lead fields are keyed `fields.<name>`.'),
  401: errorResponse(
    401,
    'Missing, invalid or secret key (use a publishable key).',
    'This publishable key is not valid or was revoked.',
  ),
  403: errorResponse(
    403,
    'The request’s Origin is not one of the key’s allowed_origins.',
    'This website may not use this key: add its origin to the key’s allowed_origins.',
  ),
  429: errorResponse(429, 'Rate limit; see Retry-After.'),
} as const;
const jsonBody = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});

const config = createRoute({
  method: 'get',
  path: '/config',
  tags: ['public'],
  summary: 'The shop’s widget config: forms, opt-in bots, texts, theme (with ETag)',
  request: { query: KeyQuery },
  responses: {
    200: okJson(PublicConfig),
    304: { description: 'Not modified (If-None-Match).' },
    ...publicErrors,
  },
});
const leads = createRoute({
  method: 'post',
  path: '/leads',
  tags: ['public'],
  summary: 'Submit a lead from the widget (idempotent on submission_id / Idempotency-Key)',
  request: { body: jsonBody(PublicLeadInput) },
  responses: {
    202: okJson(LeadAccepted, 'Accepted and stored'),
    ...publicErrors,
    413: errorResponse(413, 'Body over 64 KiB.', 'Request body is larger than 64 KiB.'),
    415: errorResponse(415, 'Not JSON.'),
    422: errorResponse(
      422,
      'The idempotency key was used for another body.',
      'This submission_id was already used for a different submission.',
    ),
  },
});
const optins = createRoute({
  method: 'post',
  path: '/optins',
  tags: ['public'],
  summary: 'A single-use opt-in token and the deep links that carry it to the shop’s bots',
  request: { body: jsonBody(OptinInput) },
  responses: { 201: okJson(Optin, 'Created'), ...publicErrors },
});

/** The one validation seam of the plain routes: zod issues become the error envelope. */
function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

const reused = () =>
  new ApiError(422, 'This submission_id was already used for a different submission.');

/**
 * The public widget API, mounted at /public/v1 (DESIGN.md "Public API for the widget"):
 * authenticated by publishable keys, CORS per key, not behind the management auth.
 */
export function publicRoutes(deps: Deps) {
  const { stores, config: relayConfig } = deps;
  const cache = createPublicCache(deps);
  const guard = createPublicGuard(
    deps.db,
    cache,
    relayConfig,
    createRefusalLog({ write: deps.log }),
  );
  const writer = createLeadWriter(deps);

  const answer = (c: Context, a: LeadAnswer) => {
    if (a.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(a.envelope, a.status as 202);
  };

  const api = new OpenAPIHono<PublicEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });
  api.use('/config', guard.cors, guard.requireKey);
  api.use('/leads', guard.cors, guard.requireKey);
  api.use('/optins', guard.cors, guard.requireKey);

  api.openapi(config, (c) => {
    const { body, etag } = c.var.shop.config;
    c.header('ETag', etag);
    c.header('Cache-Control', 'public, max-age=60');
    if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    return c.body(body, 200, { 'Content-Type': 'application/json' });
  });
  /**
   * The two writes are plain routes whose body `requireKey` already parsed: validating that
   * value here saves the second JSON.parse and the async validator of `.openapi()` on the
   * hottest path. Their OpenAPI entries are registered by hand.
   */
  api.openAPIRegistry.registerPath(leads);
  api.openAPIRegistry.registerPath(optins);
  api
    .post('/leads', async (c) => {
      const body = parse(PublicLeadInput, c.var.json);
      const shop = c.var.shop;
      const header = requestHeader(c, 'idempotency-key');
      if (header !== undefined && !SubmissionId.safeParse(header).success)
        throw invalidField('Idempotency-Key', 'Use 1–100 printable ASCII characters.');
      const idemKey = header ?? body.submission_id;
      const idem = idemKey
        ? { scope: `lead:${shop.id}`, key: idemKey, hash: submissionHash(body) }
        : null;
      const prior = idem && (await writer.answerBeforeWork(idem, { once: !!shop.captcha }));
      if (prior) {
        if (prior.request_hash !== idem.hash) throw reused();
        return answer(c, storedAnswer(prior));
      }
      const draft = draftLead(shop, body, 'widget');
      if (shop.captcha)
        await verifyCaptcha(shop.captcha, body.captcha_token, clientIp(c), deps.outbound);
      const written = await writer.submit({ ...draft, idem });
      if (written === MISMATCH) throw reused();
      return answer(c, written);
    })
    .post('/optins', async (c) => {
      const body = parse(OptinInput, c.var.json);
      const shop = c.var.shop;
      const { publicUrl } = relayConfig;
      const linked = shop.bots.filter((b) => botLink(b, publicUrl) !== null);
      let targets = linked;
      if (body.bot_id !== undefined) {
        targets = linked.filter((b) => b.id === body.bot_id);
        if (!targets.length)
          throw invalidField('bot_id', 'This shop has no messenger bot with this id and a link.');
      } else if (!targets.length) {
        throw badRequest('This shop has no messenger bot to subscribe to yet.');
      }
      // A lead is the visitor's own: the same visitor_id must come with it. One answer for
      // "no such lead" and "not yours", so lead ids cannot be probed.
      if (body.lead_id !== undefined) {
        if (body.visitor_id === undefined)
          throw invalidField('visitor_id', 'Send the visitor_id the lead was sent with.');
        if (!(await stores.optins.isLeadOfVisitor(body.lead_id, shop.id, body.visitor_id)))
          throw invalidField('lead_id', 'This visitor sent no lead with this id.');
      }
      let orderId: number | null = null;
      if (body.order_ref !== undefined) {
        orderId = (await stores.optins.orderByRef(shop.id, body.order_ref)) ?? null;
        if (orderId === null)
          throw invalidField(
            'order_ref',
            'No order has this reference: use the order’s optin_ref.',
          );
      }
      const { token, expires_at } = await stores.optins.create({
        shop_id: shop.id,
        bot_id: body.bot_id ?? null,
        lead_id: body.lead_id ?? null,
        order_id: orderId,
        visitor_id: body.visitor_id ?? null,
      });
      const links = targets.map((b) => {
        const web = botWebLink(b, token);
        return {
          bot_id: b.id,
          bot_type: b.bot_type,
          name: b.name,
          url: botLink(b, publicUrl, token)!,
          ...(web ? { web_url: web } : {}),
        };
      });
      return c.json(ok({ token, expires_at, links }), 201);
    });

  const root = new OpenAPIHono<PublicEnv>({ strict: false });
  root.route('/', api);
  root.route('/', formPostRoutes(deps, guard, writer));
  // Any other path (a typo in a hand-written call): a 404 the page can read, and logged.
  root.use('*', guard.cors);
  return root;
}
