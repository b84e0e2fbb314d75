import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
import {
  createRouter,
  deleted,
  Deleted,
  errorResponse,
  errorResponses,
  IdParam,
  jsonBody,
  ok,
  okJson,
  ownersOnlyResponses,
  pageJson,
  security,
} from '../http/api.js';
import { notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { ALREADY_MEMBER, LAST_OWNER } from './store.js';
import { CreatedMember, Member, MemberInput, MemberPatch } from './schemas.js';

const common = { tags: ['members'], security };
const lastOwner = {
  409: errorResponse(409, 'The change would leave the shop without an owner.', LAST_OWNER),
};

const list = createRoute({
  ...common,
  method: 'get',
  path: '/members',
  summary: "List a shop's members and their roles",
  request: { query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(Member), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/members',
  summary:
    'Add a member by email; an email with no account gets one, and the answer carries a one-time password_set_url. Owners only',
  request: { query: ShopQuery, body: jsonBody(MemberInput) },
  responses: {
    201: okJson(CreatedMember, 'Created'),
    ...errorResponses,
    ...ownersOnlyResponses,
    409: errorResponse(409, 'The person is a member of the shop already.', ALREADY_MEMBER),
  },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/members/{id}',
  summary: "Change a member's role (the last owner cannot be demoted). Owners only",
  request: { params: IdParam, query: ShopQuery, body: jsonBody(MemberPatch) },
  responses: { 200: okJson(Member), ...errorResponses, ...ownersOnlyResponses, ...lastOwner },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/members/{id}',
  summary: 'Remove a member from the shop (not the last owner). Owners only',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses, ...ownersOnlyResponses, ...lastOwner },
});

/** Where the console lets an invited member choose a password (POST /api/auth/set_password/). */
export const passwordSetUrl = (publicUrl: string, token: string) =>
  `${publicUrl}/console/#/set-password?token=${encodeURIComponent(token)}`;

export function memberRoutes({ stores, config }: Deps) {
  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.members.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, email, role } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id, 'members');
      const user =
        (await stores.users.findByEmail(email)) ?? (await stores.users.createInvited(email));
      const member = await stores.members.add(shopId, user.id, role);
      // Also for an account invited earlier that never chose a password: a fresh link.
      if (await stores.users.hasPassword(user.id)) return c.json(ok(member), 201);
      const token = await stores.users.issuePasswordSetToken(user.id);
      return c.json(
        ok({ ...member, password_set_url: passwordSetUrl(config.publicUrl, token) }),
        201,
      );
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const { shop_id, role } = c.req.valid('json');
      const shopId = shop_id ?? c.req.valid('query').shop_id;
      const current = owned(
        c.var.principal,
        await stores.members.get(id),
        'Member',
        shopId,
        'members',
      );
      const member = role ? await stores.members.setRole(id, role) : current;
      if (!member) throw notFound('Member');
      return c.json(ok(member), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      const shopId = c.req.valid('query').shop_id;
      owned(c.var.principal, await stores.members.get(id), 'Member', shopId, 'members');
      await stores.members.delete(id);
      return c.json(deleted(id), 200);
    });
}
