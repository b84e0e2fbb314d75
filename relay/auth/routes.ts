import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import {
  createRouter,
  errorResponse,
  errorResponses,
  jsonBody,
  ok,
  okJson,
  security,
} from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { ApiError, tooManyRequests } from '../http/errors.js';
import { createWindowLimiter } from '../http/rate-limit.js';
import { requireAuth } from './middleware.js';

export const LoginInput = z
  .object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1000) })
  .openapi('LoginInput');
export type LoginInput = z.infer<typeof LoginInput>;

export const LoginResult = z
  .object({
    expiry: z.string().nullable(),
    token: z
      .string()
      .openapi({ description: '64 hex characters; send as `Authorization: Bearer …`' }),
    user: z.object({ id: z.number().int(), email: z.string() }),
  })
  .openapi('LoginResult');

const tag = ['auth'];
const login = createRoute({
  method: 'post',
  path: '/login',
  tags: tag,
  summary: 'Log in with email and password',
  request: { body: jsonBody(LoginInput) },
  responses: {
    200: okJson(LoginResult),
    ...errorResponses,
    429: errorResponse(429, 'Too many failed logins; see Retry-After.'),
  },
});
const logout = createRoute({
  method: 'post',
  path: '/logout',
  tags: tag,
  summary: 'Revoke the token of this request',
  security,
  responses: { 200: okJson(z.null()), ...errorResponses },
});
const logoutAll = createRoute({
  method: 'post',
  path: '/logoutall',
  tags: tag,
  summary: 'Revoke every token of this user',
  security,
  responses: { 200: okJson(z.null()), ...errorResponses },
});

/** Failed logins allowed per window before 429: per email (guessing one account) and per IP. */
export const LOGIN_LIMITS = { perEmail: 5, perIp: 20, windowMs: 15 * 60_000 } as const;

export function authRoutes({ stores }: Deps) {
  const byEmail = createWindowLimiter({
    limit: LOGIN_LIMITS.perEmail,
    windowMs: LOGIN_LIMITS.windowMs,
  });
  const byIp = createWindowLimiter({ limit: LOGIN_LIMITS.perIp, windowMs: LOGIN_LIMITS.windowMs });
  const auth = requireAuth(stores);

  return createRouter()
    .openapi(login, async (c) => {
      const { email, password } = c.req.valid('json');
      const ip = clientIp(c);
      const emailKey = email.toLowerCase();
      for (const state of [byEmail.blocked(emailKey), byIp.blocked(ip)]) {
        if (state.blocked) throw tooManyRequests(state.retryAfterMs / 1000);
      }
      const user = await stores.users.checkPassword(email, password);
      if (!user) {
        byEmail.hit(emailKey);
        byIp.hit(ip);
        throw new ApiError(401, 'Unable to log in with provided credentials.');
      }
      byEmail.reset(emailKey);
      const token = await stores.users.issueToken(user.id);
      return c.json(ok({ expiry: null, token, user: { id: user.id, email: user.email } }), 200);
    })
    .openapi({ ...logout, middleware: [auth] as const }, async (c) => {
      const p = c.var.principal;
      if (p.kind !== 'user')
        throw new ApiError(400, 'Shop keys cannot log out; delete the key instead.');
      await stores.users.revokeToken(p.tokenId);
      return c.json(ok(null), 200);
    })
    .openapi({ ...logoutAll, middleware: [auth] as const }, async (c) => {
      const p = c.var.principal;
      if (p.kind !== 'user')
        throw new ApiError(400, 'Shop keys cannot log out; delete the key instead.');
      await stores.users.revokeAllTokens(p.userId);
      return c.json(ok(null), 200);
    });
}
