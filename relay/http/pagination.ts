import { z } from '@hono/zod-openapi';

export const MAX_LIMIT = 100;

/** `limit` (default 20, larger values clamped to 100) and `offset` (default 0). */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .transform((n) => Math.min(n, MAX_LIMIT))
    .openapi({
      param: { name: 'limit', in: 'query' },
      example: 20,
      maximum: MAX_LIMIT,
      description: `Rows per page, at most ${MAX_LIMIT} (a larger value is taken as ${MAX_LIMIT}).`,
    }),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ param: { name: 'offset', in: 'query' }, example: 0 }),
});
export type PageQuery = z.infer<typeof PageQuery>;

export type Page<T> = { count: number; next: string | null; previous: string | null; results: T[] };

/**
 * Builds the platform's page object. `next`/`previous` are absolute URLs that keep every
 * other query parameter of the request and change only `limit` and `offset`.
 */
export function toPage<T>(
  requestUrl: string,
  { limit, offset }: PageQuery,
  count: number,
  results: T[],
): Page<T> {
  const link = (o: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set('limit', String(limit));
    if (o > 0) url.searchParams.set('offset', String(o));
    else url.searchParams.delete('offset');
    return url.toString();
  };
  return {
    count,
    next: offset + limit < count ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
    results,
  };
}
