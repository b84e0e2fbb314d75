import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Deps } from '../deps.js';
import { clientIp } from '../http/client-ip.js';
import { ApiError, badRequest, validationError, type FieldErrors } from '../http/errors.js';
import { bodyLimit } from '../http/guards.js';
import { verifyCaptcha } from './captcha.js';
import { PUBLIC_BODY_LIMIT, type PublicEnv, type PublicGuard } from './guard.js';
import { errorPage, PAGE_HEADERS, pageLocale, thanksPage } from './html.js';
import { submissionHash } from './idempotency.js';
import { draftLead } from './intake.js';
import { MISMATCH, type LeadWriter } from './lead-writer.js';
import { SubmissionId, VisitorId } from './schemas.js';

/** Where a form post lands without a trusted `_redirect`. Relative: the relay's own origin. */
export const THANKS_PATH = '/public/v1/thanks';

/** Inputs of a plain form that are not the lead's fields. */
const CONTROL = new Set([
  'form',
  'hp',
  'consent',
  'submission_id',
  'visitor_id',
  'captcha_token',
  'cf-turnstile-response', // what Turnstile's script adds to a plain form
  'h-captcha-response', // what hCaptcha's script adds
]);

const post = createRoute({
  method: 'post',
  path: '/forms/{key}',
  tags: ['public'],
  summary: 'A plain HTML form post (no JavaScript): stores the lead, then 303 to `_redirect`',
  description:
    'Fields: `form`, the form’s fields, `hp` (honeypot), `_redirect` (followed only to an allowed origin of the key; otherwise the thank-you page), optional `_elapsed_ms`, `consent` (a ticked checkbox), `submission_id`, `visitor_id`, `utm_*`. Invalid input answers 400 with an HTML page listing the errors.',
  request: {
    params: z.object({ key: z.string().openapi({ param: { name: 'key', in: 'path' } }) }),
    body: {
      content: {
        'application/x-www-form-urlencoded': { schema: z.record(z.string(), z.unknown()) },
        'multipart/form-data': { schema: z.record(z.string(), z.unknown()) },
      },
      required: true,
    },
  },
  responses: {
    303: { description: 'Stored; see `Location`.' },
    400: { description: 'An HTML page listing the invalid fields.' },
  },
});

const thanks = createRoute({
  method: 'get',
  path: '/thanks',
  tags: ['public'],
  summary: 'The hosted thank-you page (English or Russian by Accept-Language)',
  responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } },
});

/**
 * `POST /public/v1/forms/:key` and the thank-you page. A plain `<form method="post"
 * action="…/public/v1/forms/pk_…">` works with no JavaScript at all; every answer is a
 * redirect or an HTML page, never JSON, because a person is looking at it.
 */
export function formPostRoutes({ outbound }: Deps, guard: PublicGuard, writer: LeadWriter) {
  const app = new OpenAPIHono<PublicEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });
  app.onError((err, c) => htmlError(err, c));
  app.use('/forms/*', guard.cors, bodyLimit(PUBLIC_BODY_LIMIT));

  return app
    .openapi(post, async (c) => {
      const shop = await guard.authenticate(c, c.req.valid('param').key, {
        write: true,
        nullOrigin: true,
      });
      const input = readForm(c.req.valid('form'));
      const idemKey = input.control.submission_id;
      const submission = {
        form: input.control.form ?? '',
        fields: input.fields,
        consent: isTicked(input.control.consent) ? (true as const) : undefined,
        page: pageOf(c.req.header('referer')),
        utm: Object.keys(input.utm).length ? input.utm : undefined,
        visitor_id: input.control.visitor_id,
        hp: input.control.hp,
        elapsed_ms: input.elapsed,
      };
      const idem = idemKey
        ? { scope: `lead:${shop.id}`, key: idemKey, hash: submissionHash(submission) }
        : null;
      const prior = idem && (await writer.answerBeforeWork(idem, { once: !!shop.captcha }));
      if (prior && prior.request_hash !== idem.hash) throw reused();
      if (!prior) {
        const draft = draftLead(shop, submission, 'form');
        if (shop.captcha) await verifyCaptcha(shop.captcha, input.captcha, clientIp(c), outbound);
        if ((await writer.submit({ ...draft, idem })) === MISMATCH) throw reused();
      }
      return c.redirect(redirectTarget(c, input.control._redirect), 303);
    })
    .openapi(thanks, (c) =>
      c.body(thanksPage(pageLocale(c.req.header('accept-language'))), 200, PAGE_HEADERS),
    );
}

const reused = () =>
  new ApiError(422, 'This form was already sent with other values. Reload the page and try again.');

type FormInput = {
  control: Record<string, string | undefined>;
  fields: Record<string, string>;
  utm: Record<string, string>;
  elapsed: number | undefined;
  captcha: string | undefined;
};

/** Splits a parsed form body into control inputs, lead fields and UTM; files are refused. */
function readForm(body: Record<string, unknown>): FormInput {
  const errors: FieldErrors = {};
  const control: Record<string, string | undefined> = {};
  const fields: Record<string, string> = {};
  const utm: Record<string, string> = {};
  for (const [name, raw] of Object.entries(body)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw; // the last of repeated inputs
    if (typeof value !== 'string') {
      errors[name] = ['Files cannot be sent with this form.'];
    } else if (CONTROL.has(name) || name.startsWith('_')) {
      control[name] = value;
    } else if (name.startsWith('utm_') && name.length > 4) {
      if (Object.keys(utm).length < 20) utm[name.slice(4, 68)] = value.slice(0, 300);
    } else {
      fields[name] = value;
    }
  }
  for (const [name, schema] of [
    ['visitor_id', VisitorId],
    ['submission_id', SubmissionId],
  ] as const) {
    if (control[name] !== undefined && !schema.safeParse(control[name]).success)
      errors[name] = ['This value is not valid.'];
  }
  let elapsed: number | undefined;
  if (control._elapsed_ms !== undefined && control._elapsed_ms !== '') {
    elapsed = Number(control._elapsed_ms);
    if (!Number.isFinite(elapsed) || elapsed < 0)
      errors._elapsed_ms = ['Expected a number of milliseconds.'];
  }
  if (!control.form) errors.form = ['This field is required.'];
  if (Object.keys(errors).length) throw badRequest('Check the highlighted fields.', errors);
  return {
    control,
    fields,
    utm,
    elapsed,
    captcha:
      control.captcha_token || control['cf-turnstile-response'] || control['h-captcha-response'],
  };
}

const isTicked = (v: string | undefined) =>
  v !== undefined && ['on', 'true', '1', 'yes'].includes(v.trim().toLowerCase());

const pageOf = (referer: string | undefined) =>
  referer ? { url: referer.slice(0, 2000) } : undefined;

/**
 * `_redirect` (absolute, or relative to the page the form was on) when its origin is one of
 * the key's allowed origins; otherwise the hosted thank-you page. Never an open redirect.
 */
function redirectTarget(c: Context<PublicEnv>, redirect: string | undefined): string {
  if (!redirect) return THANKS_PATH;
  try {
    const url = new URL(redirect, c.req.header('referer') || undefined);
    if (c.var.publicKey.origins.has(url.origin)) return url.href;
  } catch {
    /* not a URL: fall through */
  }
  return THANKS_PATH;
}

/** Errors of a form post as a page a person can read, with a link back when it is safe. */
function htmlError(err: Error, c: Context<PublicEnv>): Response {
  let error: ApiError;
  if (err instanceof ApiError) error = err;
  else if (err instanceof HTTPException)
    error = new ApiError(err.status as ApiError['status'], err.message || 'Bad request.');
  else {
    console.error(err);
    error = new ApiError(503, 'Something went wrong. Please try again later.');
    return c.body(errorPage('en', error.message, {}, null), 500, PAGE_HEADERS);
  }
  const referer = c.req.header('referer');
  let back: string | null = null;
  try {
    if (referer && c.get('publicKey')?.origins.has(new URL(referer).origin)) back = referer;
  } catch {
    /* not a URL */
  }
  const lang = pageLocale(c.req.header('accept-language'));
  return c.body(errorPage(lang, error.message, error.fields, back), error.status, {
    ...PAGE_HEADERS,
    ...error.headers,
  });
}
