import { forbidden } from '../auth/principal.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Principal } from '../auth/principal.js';
import {
  ApiError,
  conflict,
  notFound,
  tooManyRequests,
  unauthorized,
  validationError,
} from './errors.js';

/** Hono environment of the management API: `c.var.principal` is set by `requireAuth`. */
export type AppEnv = { Variables: { principal: Principal } };

/**
 * A sub-app for one resource. Validation failures of any route become the API's error
 * envelope here, in the one place that sees zod issues.
 */
export const createRouter = () =>
  new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });

/** `{"status":"ok","result":…}` */
export const ok = <T>(result: T) => ({ status: 'ok' as const, result });

export const Envelope = <T extends z.ZodType>(result: T) =>
  z.object({ status: z.literal('ok'), result });

export const Page = <T extends z.ZodType>(item: T) =>
  z.object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });

export const ErrorBody = z
  .object({
    status: z.literal('error'),
    errors: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  })
  .openapi('Error');

/**
 * What the relay answers for each error status, as the OpenAPI document's examples: built
 * from the same factories the routes throw, so an example is always a real answer.
 */
export const API_ERROR_EXAMPLES: Record<ErrorStatus, ApiError> = {
  400: new ApiError(400, 'Check the highlighted fields.', { email: ['Enter a valid email.'] }),
  401: unauthorized(),
  403: forbidden('keys'),
  404: notFound(),
  405: new ApiError(405, 'Method not allowed.'),
  409: conflict('An object with these values already exists.'),
  413: new ApiError(413, 'Request body is larger than 256 KiB.'),
  415: new ApiError(415, 'Send the body as JSON with Content-Type: application/json.'),
  422: new ApiError(422, 'This key was already used with another body.'),
  429: tooManyRequests(60),
  503: new ApiError(503, 'The service is unavailable right now. Try again.'),
};
type ErrorStatus = ApiError['status'];

/**
 * One error answer for `createRoute({ responses })`, with its own example: `message` (the
 * sentence the route really answers, e.g. a 409's reason) or the status's usual sentence.
 * A 429 also documents its `Retry-After` header.
 */
export const errorResponse = (status: ErrorStatus, description: string, message?: string) => ({
  content: {
    'application/json': {
      schema: ErrorBody,
      example: message ? new ApiError(status, message).body : API_ERROR_EXAMPLES[status].body,
    },
  },
  description,
  ...(status === 429
    ? {
        headers: {
          'Retry-After': {
            description: 'Seconds to wait before trying again.',
            schema: { type: 'integer' as const },
          },
        },
      }
    : {}),
});

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const errorResponses = {
  400: errorResponse(400, 'Invalid input or JSON; one key per invalid field.'),
  401: errorResponse(401, 'Missing or invalid token.'),
  404: errorResponse(404, 'Not found, or another shop’s object.'),
} as const;

/** For routes a shop's managers and secret keys may not use: only its owners (relay/auth/principal.ts). */
export const ownersOnlyResponses = {
  403: errorResponse(
    403,
    'Only the shop’s owners can do this; the caller is a manager or a shop key.',
  ),
} as const;

/**
 * `schema | null` for a schema registered as a component (`.openapi('Name')`): `.nullable()`
 * on one loses the null in the OpenAPI document (a bare `$ref`), a union keeps it (`anyOf`).
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

/** A JSON request body for `createRoute({ request: { body: jsonBody(Schema) } })`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});

/** `200`-style response whose body is the envelope around `schema`. */
export const okJson = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  content: { 'application/json': { schema: Envelope(schema) } },
  description,
});

/** A paginated list response around `item`. */
export const pageJson = <T extends z.ZodType>(item: T, description = 'A page of results') => ({
  content: { 'application/json': { schema: Envelope(Page(item)) } },
  description,
});

/** Path parameter `{id}`: a positive integer. */
export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' }, example: 1 }),
});

/** Result of a DELETE. */
export const Deleted = z.object({ id: z.number().int(), deleted: z.literal(true) });
export const deleted = (id: number) => ok({ id, deleted: true as const });

export const security = [{ bearer: [] as string[] }];
