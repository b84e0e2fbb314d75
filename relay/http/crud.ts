import { createRoute, z } from '@hono/zod-openapi';
import { owned, shopFor, ShopQuery, type OwnersOnly } from '../auth/principal.js';
import {
  createRouter,
  deleted,
  Deleted,
  ErrorBody,
  errorResponse,
  errorResponses,
  IdParam,
  jsonBody,
  ok,
  okJson,
  ownersOnlyResponses,
  pageJson,
  security,
} from './api.js';
import { notFound, staleUpdate } from './errors.js';
import { PageQuery, toPage } from './pagination.js';

/** What a shop-scoped resource's store offers the five routes. */
export type CrudStore<T, I, P> = {
  list(
    shopId: number,
    filter: number | null,
    page: PageQuery,
  ): Promise<{ count: number; rows: T[] }>;
  create(shopId: number, input: I): Promise<T>;
  get(id: number): Promise<T | undefined>;
  update(id: number, patch: P): Promise<T | undefined>;
  delete(id: number): Promise<boolean>;
};

export type CrudSpec<T extends { shop_id: number }, I, P> = {
  /** The collection's path, e.g. `/flows` (the item is `/flows/{id}`). */
  path: string;
  /** The object's name in a 404: `Flow not found.` */
  noun: string;
  /** The OpenAPI tag. */
  tag: string;
  item: z.ZodType<T>;
  input: z.ZodType<I & { shop_id?: number }>;
  patch: z.ZodType<P & { shop_id?: number }>;
  /** The list's optional filter by an id in the query, e.g. `bot_id`; the store gets it or null. */
  filter?: string;
  summaries: { list: string; create: string; read: string; update: string; remove: string };
  /** When create and update can answer 409 (a name taken): what that means, for the docs. */
  conflict?: string;
  /** When delete can answer 409 (it would break what remains): what that means, with an example. */
  deleteConflict?: { description: string; example: string };
  /**
   * The PATCH takes an `updated_at` precondition (relay/scenario/versions.ts): a stale one
   * answers 409 with `current`, the object as it is now. `what`: the word for the object in
   * the 409's sentence; `example`: an object for the document's example.
   */
  versioned?: { what: string; example: T };
  store: CrudStore<T, Omit<I, 'shop_id'>, P & { shop_id?: number }>;
  /** Writes (create, update, delete) only the shop's owners may make; reads stay open to managers. */
  ownersOnlyWrites?: OwnersOnly;
};

type Json = Record<string, unknown>;
type Query = { shop_id?: number; limit: number; offset: number } & Record<string, unknown>;

/**
 * The five routes of a shop-scoped resource — list (with one id filter), create, read,
 * update, delete — as the platform's API has them: shop scoping by `shop_id`, another shop's
 * object answering 404 exactly like a missing one, 201 on create, `deleted(id)` on delete.
 * The store does the resource's own checks (references, rules) and throws field errors.
 */
export function crudRoutes<T extends { shop_id: number }, I, P>(spec: CrudSpec<T, I, P>) {
  const common = { tags: [spec.tag], security };
  // Routes are typed on a plain object: hono's response typing cannot follow a generic T.
  const item = spec.item as unknown as z.ZodType<Json>;
  const json = (row: T) => ok(row as unknown as Json);
  const one = `${spec.path}/{id}`;
  const conflict: Record<number, ReturnType<typeof errorResponse>> = spec.conflict
    ? { 409: errorResponse(409, spec.conflict) }
    : {};
  const stale: Record<number, ReturnType<typeof errorResponse>> = spec.versioned
    ? {
        409: {
          description:
            'The `updated_at` sent is not the current version: someone saved the object since. Nothing was saved; `current` is the object as it is now.',
          content: {
            'application/json': {
              schema: ErrorBody.extend({ current: item }),
              example: staleUpdate(spec.versioned.what, spec.versioned.example).body,
            },
          },
        },
      }
    : {};
  const writer = spec.ownersOnlyWrites;
  const forbidden: Partial<typeof ownersOnlyResponses> = writer ? ownersOnlyResponses : {};
  const filter = spec.filter;
  const filterQuery = filter
    ? {
        [filter]: z.coerce
          .number()
          .int()
          .positive()
          .optional()
          .openapi({ param: { name: filter, in: 'query' }, example: 1 }),
      }
    : {};
  const list = createRoute({
    ...common,
    method: 'get',
    path: spec.path,
    summary: spec.summaries.list,
    request: { query: PageQuery.extend(ShopQuery.shape).extend(filterQuery) },
    responses: { 200: pageJson(item), ...errorResponses },
  });
  const create = createRoute({
    ...common,
    method: 'post',
    path: spec.path,
    summary: spec.summaries.create,
    request: { query: ShopQuery, body: jsonBody(spec.input) },
    responses: { 201: okJson(item, 'Created'), ...errorResponses, ...conflict, ...forbidden },
  });
  const read = createRoute({
    ...common,
    method: 'get',
    path: one,
    summary: spec.summaries.read,
    request: { params: IdParam, query: ShopQuery },
    responses: { 200: okJson(item), ...errorResponses },
  });
  const update = createRoute({
    ...common,
    method: 'patch',
    path: one,
    summary: spec.summaries.update,
    request: { params: IdParam, query: ShopQuery, body: jsonBody(spec.patch) },
    responses: { 200: okJson(item), ...errorResponses, ...conflict, ...stale, ...forbidden },
  });
  const remove = createRoute({
    ...common,
    method: 'delete',
    path: one,
    summary: spec.summaries.remove,
    request: { params: IdParam, query: ShopQuery },
    responses: {
      200: okJson(Deleted),
      ...errorResponses,
      ...forbidden,
      ...(spec.deleteConflict
        ? {
            409: errorResponse(409, spec.deleteConflict.description, spec.deleteConflict.example),
          }
        : {}),
    },
  });

  const { store, noun } = spec;
  // The request schemas are generic too: validated values are typed by hand below.
  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, limit, offset, ...rest } = c.req.valid('query') as Query;
      const shopId = shopFor(c.var.principal, shop_id);
      const page = { limit, offset };
      const { count, rows } = await store.list(
        shopId,
        filter ? ((rest[filter] as number | undefined) ?? null) : null,
        page,
      );
      return c.json(ok(toPage(c.req.url, page, count, rows as unknown as Json[])), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json') as I & { shop_id?: number };
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id, writer);
      return c.json(json(await store.create(shopId, input as Omit<I, 'shop_id'>)), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const row = owned(c.var.principal, await store.get(id), noun, c.req.valid('query').shop_id);
      return c.json(json(row), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json') as P & { shop_id?: number };
      owned(
        c.var.principal,
        await store.get(id),
        noun,
        patch.shop_id ?? c.req.valid('query').shop_id,
        writer,
      );
      const row = await store.update(id, patch);
      if (!row) throw notFound(noun);
      return c.json(json(row), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(c.var.principal, await store.get(id), noun, c.req.valid('query').shop_id, writer);
      await store.delete(id);
      return c.json(deleted(id), 200);
    });
}
