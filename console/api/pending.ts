/**
 * Endpoints DESIGN.md promises that this relay's document does not list yet (the members API
 * and password-set links of issue 10), typed by hand in openapi-typescript's shape so the
 * console calls them through the same client. `Paths` (client.ts) takes the generated entry
 * over these as soon as `npm run console:api` finds one, so this file can then be deleted.
 * At run time a relay without them answers 404, which the console handles (see roles.ts).
 */
import type { components } from './schema.js';

type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type Ok<T> = Json<{ status: 'ok'; result: T }>;
type Failure = Json<components['schemas']['Error']>;
type Failures = { 400: Failure; 401: Failure; 403: Failure; 404: Failure; 409: Failure };
type Page<T> = { count: number; next: string | null; previous: string | null; results: T[] };
type Params<Q, P = never> = { query?: Q; header?: never; cookie?: never } & ([P] extends [never]
  ? { path?: never }
  : { path: P });
type Item = {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  get?: never;
  put?: never;
  post?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
};

export type Role = 'owner' | 'manager';

/** A shop membership (not the user): `/api/shop/members/{id}/` takes its id. */
export type Member = {
  id: number;
  shop_id: number;
  user_id: number;
  email: string;
  role: Role;
  created_at: string;
};
/** Only for an email without an account: the one-time link where they choose a password. */
export type CreatedMember = Member & { password_set_url?: string };

type ShopQuery = { shop_id?: number };
type LoginResult = components['schemas']['LoginResult'];

export type PendingPaths = {
  '/api/shop/members/': Omit<Item, 'get' | 'post'> & {
    get: {
      parameters: Params<ShopQuery & { limit?: number; offset?: number }>;
      requestBody?: never;
      responses: { 200: Ok<Page<Member>> } & Failures;
    };
    post: {
      parameters: Params<ShopQuery>;
      requestBody: {
        content: { 'application/json': { shop_id?: number; email: string; role: Role } };
      };
      responses: { 201: Ok<CreatedMember> } & Failures;
    };
  };
  '/api/shop/members/{id}/': Omit<Item, 'patch' | 'delete'> & {
    patch: {
      parameters: Params<ShopQuery, { id: number }>;
      requestBody: { content: { 'application/json': { shop_id?: number; role?: Role } } };
      responses: { 200: Ok<Member> } & Failures;
    };
    delete: {
      parameters: Params<ShopQuery, { id: number }>;
      requestBody?: never;
      responses: { 200: Ok<{ id: number; deleted: true }> } & Failures;
    };
  };
  '/api/auth/set_password/': Omit<Item, 'post'> & {
    post: {
      parameters: Params<never>;
      requestBody: { content: { 'application/json': { token: string; password: string } } };
      responses: { 200: Ok<LoginResult> } & Failures & { 429: Failure };
    };
  };
};
