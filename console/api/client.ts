import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

/** The management API as the console calls it (generated: console/api/generate.ts). */
export type Paths = paths;
export type Schemas = components['schemas'];
/** A member's role in a shop (DESIGN.md "Roles"). */
export type Role = Schemas['Member']['role'];
export type Api = ReturnType<typeof createApi>;

/**
 * A call that did not succeed. `status` 0 is a network failure; otherwise the envelope's
 * `errors.common` sentence (`common`, '' when absent) and its field errors, keyed as the API
 * keys them (`name`, `fields.0.label`…), each a list of messages.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly common: string,
    readonly fields: Record<string, string[]> = {},
    /** A stale update's 409: the object as it is now (`current` beside the errors). */
    readonly current?: unknown,
  ) {
    super(common || `HTTP ${status}`);
  }

  /** From an error envelope, whatever its shape (a proxy's HTML page has none). */
  static from(status: number, body: unknown): ApiFailure {
    const errors =
      body && typeof body === 'object' && 'errors' in body && body.errors
        ? (body.errors as Record<string, unknown>)
        : {};
    const fields: Record<string, string[]> = {};
    let common = '';
    for (const [key, value] of Object.entries(errors)) {
      const list = (Array.isArray(value) ? value : [value]).map(String);
      if (key === 'common') common = list.join(' ');
      else fields[key] = list;
    }
    const current =
      body && typeof body === 'object' && 'current' in body ? body.current : undefined;
    return new ApiFailure(status, common, fields, current);
  }
}

export type ApiOptions = {
  /** The bearer token to send, read per request (a sign-in replaces it). */
  token: () => string | null;
  /** A 401 on a call made with a token: it expired or was revoked (logout everywhere). */
  unauthorized: () => void;
  baseUrl?: string;
};

/** Sign-in calls answer 401 for a wrong password, not for an ended session. */
const SIGN_IN = new Set(['/api/auth/login/', '/api/auth/set_password/']);

/** The typed client (openapi-fetch over the generated types); bearer auth added per request. */
export function createApi({ token, unauthorized, baseUrl = location.origin }: ApiOptions) {
  const client = createClient<Paths>({ baseUrl });
  client.use({
    onRequest({ request, schemaPath }) {
      const value = token();
      if (value && !SIGN_IN.has(schemaPath))
        request.headers.set('Authorization', `Bearer ${value}`);
      return request;
    },
    onResponse({ request, response, schemaPath }) {
      if (
        response.status === 401 &&
        !SIGN_IN.has(schemaPath) &&
        request.headers.has('Authorization')
      )
        unauthorized();
      return response;
    },
  });
  return client;
}

type Answer<D> = { data?: D; error?: unknown; response: Response };

/**
 * The `result` of a successful call, or an ApiFailure: the one place the console turns the
 * API's envelope into a value or an error it shows (never swallowed).
 */
export async function must<D extends { result: unknown }>(
  call: Promise<Answer<D>>,
): Promise<D['result']> {
  let answer: Answer<D>;
  try {
    answer = await call;
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw new ApiFailure(0, '');
  }
  if (answer.response.ok && answer.data) return answer.data.result;
  throw ApiFailure.from(answer.response.status, answer.error);
}

/** For calls whose answer carries nothing to use (logout): success, or an ApiFailure. */
export async function done(call: Promise<{ error?: unknown; response: Response }>): Promise<void> {
  let answer: { error?: unknown; response: Response };
  try {
    answer = await call;
  } catch {
    throw new ApiFailure(0, '');
  }
  if (!answer.response.ok) throw ApiFailure.from(answer.response.status, answer.error);
}

type ListQuery = { shop_id: number; limit: number; offset: number };

/**
 * Every row of one of a shop's lists:
 * `allOf(shopId, (query) => api.GET('/api/shop/keys/', { params: { query } }))`.
 */
export const allOf = <D extends { result: { count: number; results: unknown[] } }>(
  shopId: number,
  list: (query: ListQuery) => Promise<Answer<D>>,
): Promise<D['result']['results']> =>
  all((offset) => must(list({ shop_id: shopId, limit: 100, offset })));

/** Every page of a list, for exports and pickers (at most `max` rows). */
export async function all<T>(
  page: (offset: number) => Promise<{ count: number; results: T[] }>,
  max = 2000,
): Promise<T[]> {
  const rows: T[] = [];
  for (;;) {
    const { count, results } = await page(rows.length);
    rows.push(...results);
    if (!results.length || rows.length >= count || rows.length >= max) return rows;
  }
}
