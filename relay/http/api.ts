import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Principal } from '../auth/principal.js';
import { validationError } from './errors.js';

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
  .openapi('Error', {
    example: {
      status: 'error',
      errors: { common: 'Check the highlighted fields.', email: ['Enter a valid email.'] },
    },
  });

const error = (description: string) => ({
  content: { 'application/json': { schema: ErrorBody } },
  description,
});

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const errorResponses = {
  400: error('Invalid input or JSON; one key per invalid field.'),
  401: error('Missing or invalid token.'),
  404: error('Not found, or another shop’s object.'),
} as const;

/** For routes a shop's managers and secret keys may not use: only its owners (relay/auth/principal.ts). */
export const ownersOnlyResponses = {
  403: error('Only the shop’s owners can do this; the caller is a manager or a shop key.'),
} as const;

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
