import type { z } from '@hono/zod-openapi';

/** Field errors as the API returns them: one list of sentences per field name. */
export type FieldErrors = Record<string, string[]>;

/**
 * The one error type routes and stores throw. `onError` in relay/app.ts turns it into the
 * envelope `{"status":"error","errors":{"common":"…","field":["…"]}}`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 503,
    message: string,
    readonly fields: FieldErrors = {},
    readonly headers: Record<string, string> = {},
    /** Keys beside `errors` in the envelope, e.g. a stale update's `current` object. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  get body() {
    return {
      status: 'error' as const,
      errors: { common: this.message, ...this.fields },
      ...this.extra,
    };
  }
}

export const badRequest = (message: string, fields: FieldErrors = {}) =>
  new ApiError(400, message, fields);

/** 400 with a single field error, e.g. `invalidField('shop_id', 'This field is required.')`. */
export const invalidField = (field: string, message: string) =>
  new ApiError(400, 'Check the highlighted fields.', { [field]: [message] });

export const unauthorized = (
  message = 'Authentication credentials were not provided or are invalid.',
) => new ApiError(401, message, {}, { 'WWW-Authenticate': 'Bearer' });

/** Also the answer for another shop's object: never reveal that it exists. */
export const notFound = (what = 'Object') => new ApiError(404, `${what} not found.`);

export const conflict = (message: string, fields: FieldErrors = {}) =>
  new ApiError(409, message, fields);

/**
 * 409 for an update whose `updated_at` precondition failed: someone saved the object since
 * the client read it. `current` is the object as it is now, so the client can show both
 * versions and let the person choose.
 */
export const staleUpdate = (what: string, current: object) =>
  new ApiError(
    409,
    `This ${what} was changed by someone else since you read it; nothing was saved. ` +
      'It is in `current` as it is now.',
    {},
    {},
    { current },
  );

export const tooManyRequests = (
  retryAfterSeconds: number,
  message = 'Too many requests. Try again later.',
) =>
  new ApiError(
    429,
    message,
    {},
    {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    },
  );

type Issue = z.ZodError['issues'][number];

/**
 * An issue as the fields it is about: a union whose input had the type of exactly one of its
 * options (an object where text or an object may go) is that option's issues, each under
 * its own path (`templates.shipped.whatsapp_template.name`), not one "Invalid input".
 */
export function expandIssue(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const typed = issue.errors.filter(
    (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
  );
  if (typed.length !== 1) return [issue];
  return typed[0].flatMap((i) => expandIssue({ ...i, path: [...issue.path, ...i.path] } as Issue));
}

/** Turns zod issues into field errors keyed by the dotted path (`customer.email`). */
export function fieldErrorsFromZod(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues.flatMap(expandIssue)) {
    const key = issue.path.length ? issue.path.join('.') : 'common';
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

export const validationError = (error: z.ZodError) => {
  const { common, ...fields } = fieldErrorsFromZod(error);
  return new ApiError(400, common?.[0] ?? 'Check the highlighted fields.', fields);
};
