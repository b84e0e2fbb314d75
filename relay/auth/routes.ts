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
import { ApiError, badRequest } from '../http/errors.js';
import { createGate, PASSWORD_GATE } from './gate.js';
import { requireAuth } from './middleware.js';
import type { IssuedToken, User } from './store.js';
import { createLoginThrottle, type LoginCounters, loginCounters } from './throttle.js';

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
const tooMany = errorResponse(
  429,
  'Too many attempts (per email and address, or per address), or too many password checks at once; see Retry-After.',
);
const wrongPassword = errorResponse(
  401,
  'Wrong email or password (the same answer for an unknown email).',
  'Unable to log in with provided credentials.',
);
const login = createRoute({
  method: 'post',
  path: '/login',
  tags: tag,
  summary: 'Log in with email and password',
  request: { body: jsonBody(LoginInput) },
  responses: {
    200: okJson(LoginResult),
    400: errorResponses[400],
    401: wrongPassword,
    429: tooMany,
  },
});
const setPassword = createRoute({
  method: 'post',
  path: '/set_password',
  tags: tag,
  summary:
    'Choose a password with the token of a one-time password-set link (given when a member is invited); logs in',
  request: { body: jsonBody(SetPasswordInput) },
  responses: {
    200: okJson(LoginResult),
    400: errorResponse(400, 'Invalid input, or the link is invalid, used or expired (`token`).'),
    429: tooMany,
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

const LINK_INVALID = 'This password link is invalid, used or expired.';
const invalidLink = () =>
  badRequest(`${LINK_INVALID} Ask an owner of the shop for a new one.`, { token: [LINK_INVALID] });

const loggedIn = (user: User, { token, expiry }: IssuedToken) =>
  ok({ expiry, token, user: { id: user.id, email: user.email } });

/**
 * `counters`: where login attempts are counted (in memory on SQLite, in the database shared
 * by every relay on PostgreSQL, unless a caller passes its own).
 */
export function authRoutes(
  { db, stores, config }: Deps,
  counters: LoginCounters = loginCounters(db),
) {
  const throttle = createLoginThrottle(counters);
  // Every scrypt computation of a request goes through here: a flood waits or gets 429,
  // other users and the libuv pool keep room.
  const gate = createGate(PASSWORD_GATE);
  const auth = requireAuth(stores, config);

  return createRouter()
    .openapi(login, async (c) => {
      const { email, password } = c.req.valid('json');
      const key = email.toLowerCase();
      const attempt = await throttle.begin(key, clientIp(c));
      const user = await gate.run(key, () => stores.users.checkPassword(email, password));
      if (!user) {
        await attempt.failed();
        throw new ApiError(401, 'Unable to log in with provided credentials.');
      }
      await attempt.succeeded();
      const issued = await stores.users.issueTokenWithExpiry(user.id, config.tokenTtlMs);
      return c.json(loggedIn(user, issued), 200);
    })
    .openapi(setPassword, async (c) => {
      const { token, password } = c.req.valid('json');
      // Checked before hashing: an unknown token costs no scrypt time.
      if (!(await stores.users.passwordSetTokenValid(token))) throw invalidLink();
      const user = await gate.run(`set_password\n${token}`, () =>
        stores.users.setPasswordByLink(token, password),
      );
      if (!user) throw invalidLink();
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
