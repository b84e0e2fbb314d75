import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { createRouter, errorResponses, jsonBody, ok, okJson, security } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { ApiError, badRequest, tooManyRequests } from '../http/errors.js';
import { createWindowLimiter } from '../http/rate-limit.js';
import { requireAuth } from './middleware.js';
import type { IssuedToken, User } from './store.js';

export const LoginInput = z
  .object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1000) })
  .openapi('LoginInput');
export type LoginInput = z.infer<typeof LoginInput>;

export const LoginResult = z
  .object({
    expiry: z.string().openapi({
      description:
        'When the token expires (ISO 8601) unless it is used: each use moves it forward (TOUCHPOINT_TOKEN_TTL_DAYS).',
    }),
    token: z
      .string()
      .openapi({ description: '64 hex characters; send as `Authorization: Bearer …`' }),
    user: z.object({ id: z.number().int(), email: z.string() }),
  })
  .openapi('LoginResult');

/** A new password: at least 8 characters (the admin password from the environment too). */
export const NewPassword = z.string().min(8).max(1000);

export const SetPasswordInput = z
  .object({
    token: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .openapi({ description: 'The token of a password-set link.' }),
    password: NewPassword,
  })
  .openapi('SetPasswordInput');

const tag = ['auth'];
const tooMany = {
  ...errorResponses[401],
  description: 'Too many failed attempts; see Retry-After.',
};
const login = createRoute({
  method: 'post',
  path: '/login',
  tags: tag,
  summary: 'Log in with email and password',
  request: { body: jsonBody(LoginInput) },
  responses: { 200: okJson(LoginResult), ...errorResponses, 429: tooMany },
});
const setPassword = createRoute({
  method: 'post',
  path: '/set_password',
  tags: tag,
  summary:
    'Choose a password with the token of a one-time password-set link (given when a member is invited); logs in',
  request: { body: jsonBody(SetPasswordInput) },
  responses: { 200: okJson(LoginResult), ...errorResponses, 429: tooMany },
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

const loggedIn = (user: User, { token, expiry }: IssuedToken) =>
  ok({ expiry, token, user: { id: user.id, email: user.email } });

/** Failed logins allowed per window before 429: per email (guessing one account) and per IP. */
export const LOGIN_LIMITS = { perEmail: 5, perIp: 20, windowMs: 15 * 60_000 } as const;

export function authRoutes({ stores, config }: Deps) {
  const byEmail = createWindowLimiter({
    limit: LOGIN_LIMITS.perEmail,
    windowMs: LOGIN_LIMITS.windowMs,
  });
  const byIp = createWindowLimiter({ limit: LOGIN_LIMITS.perIp, windowMs: LOGIN_LIMITS.windowMs });
  const auth = requireAuth(stores, config);

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
      const issued = await stores.users.issueTokenWithExpiry(user.id, config.tokenTtlMs);
      return c.json(loggedIn(user, issued), 200);
    })
    .openapi(setPassword, async (c) => {
      const { token, password } = c.req.valid('json');
      const invalid = () =>
        badRequest(
          'This password link is invalid, used or expired. Ask an owner of the shop for a new one.',
          {
            token: ['This password link is invalid, used or expired.'],
          },
        );
      // Checked before hashing: an unknown token costs no scrypt time.
      if (!(await stores.users.passwordSetTokenValid(token))) throw invalid();
      const user = await stores.users.setPasswordByLink(token, password);
      if (!user) throw invalid();
      const issued = await stores.users.issueTokenWithExpiry(user.id, config.tokenTtlMs);
      return c.json(loggedIn(user, issued), 200);
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
