import { z } from 'zod';
import type { OpenOptions } from './db/open.js';
import { parseKeys } from './secrets/keys.js';

/** `1`/`0` (and `true`/`false`) as environment flags. */
const flag = z
  .enum(['0', '1', 'true', 'false'], { error: 'must be 0 or 1' })
  .transform((v) => v === '1' || v === 'true');

export const Env = z
  .object({
    PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(8787),
    HOST: z.string().min(1).default('127.0.0.1'),
    TOUCHPOINT_DB: z.string().min(1).default('./data/touchpoint.db'),
    TOUCHPOINT_DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/./i, 'must be a postgres:// (or postgresql://) URL')
      .optional(),
    TOUCHPOINT_DATABASE_POOL: z.coerce
      .number({ error: 'must be a whole number of connections (1 to 1000)' })
      .int('must be a whole number of connections (1 to 1000)')
      .min(1, 'must be a whole number of connections (1 to 1000)')
      .max(1000, 'must be a whole number of connections (1 to 1000)')
      .default(10),
    TOUCHPOINT_PUBLIC_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .optional(),
    TOUCHPOINT_ADMIN_EMAIL: z.email({ error: 'must be an email address' }).optional(),
    TOUCHPOINT_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
    TOUCHPOINT_DEMO: flag.default(false),
    TELEGRAM_API_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://api.telegram.org'),
    WHATSAPP_API_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://graph.facebook.com'),
    VIBER_API_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://chatapi.viber.com'),
    VK_API_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://api.vk.com/method'),
    TOUCHPOINT_SMTP_URL: z
      .url({
        protocol: /^smtps?$/,
        error: 'must be an smtp://user:pass@host:port or smtps://… URL',
      })
      .optional(),
    TOUCHPOINT_MAIL_FROM: z
      .string()
      .trim()
      .regex(
        /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/,
        'must be an address such as alerts@shop.example or "Shop <alerts@shop.example>"',
      )
      .optional(),
    TOUCHPOINT_PUBLIC_RATE_LIMIT: z.coerce
      .number({ error: 'must be a whole number of requests per minute' })
      .int()
      .min(0)
      .default(60),
    TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE: flag.default(false),
    TOUCHPOINT_TOKEN_TTL_DAYS: z.coerce
      .number({ error: 'must be a whole number of days (1 or more)' })
      .int('must be a whole number of days (1 or more)')
      .positive('must be a whole number of days (1 or more)')
      .default(30),
    TOUCHPOINT_SECRET_KEY: z
      .string()
      .transform((text, ctx) => {
        try {
          return parseKeys(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TOUCHPOINT_ADMIN_EMAIL) !== Boolean(env.TOUCHPOINT_ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TOUCHPOINT_ADMIN_EMAIL ? 'TOUCHPOINT_ADMIN_PASSWORD' : 'TOUCHPOINT_ADMIN_EMAIL'],
        message: 'must be set together with the other TOUCHPOINT_ADMIN_* variable',
      });
    }
  });
export type Env = z.infer<typeof Env>;

export type Config = {
  port: number;
  host: string;
  /** TOUCHPOINT_DB: the SQLite file, used when `databaseUrl` is null. */
  dbPath: string;
  /**
   * TOUCHPOINT_DATABASE_URL: a PostgreSQL database shared by several relays; null (unset)
   * keeps the embedded SQLite file at `dbPath`.
   */
  databaseUrl: string | null;
  /**
   * TOUCHPOINT_DATABASE_POOL: PostgreSQL connections a relay's pool opens at most (its own
   * session for locks and LISTEN comes on top). Every relay holds its pool: N relays need
   * N × (pool + 1) of the server's `max_connections`.
   */
  databasePool: number;
  /** Base URL for links and webhook registration, without a trailing slash. */
  publicUrl: string;
  /** True when TOUCHPOINT_PUBLIC_URL was set: Telegram bots then use setWebhook, not getUpdates. */
  publicUrlExplicit: boolean;
  admin: { email: string; password: string } | null;
  demo: boolean;
  telegramApiUrl: string;
  /** WHATSAPP_API_URL: the Graph API (the Cloud API's version is pinned in the client). */
  whatsappApiUrl: string;
  /** VIBER_API_URL: the REST Bot API (methods under `/pa/`). */
  viberApiUrl: string;
  /** VK_API_URL: the API's method root (`<url>/messages.send`; the version is pinned in the client). */
  vkApiUrl: string;
  /**
   * TOUCHPOINT_SMTP_URL and TOUCHPOINT_MAIL_FROM: how email alerts leave; null when either is
   * unset (the API then refuses email alert channels, saying what to set).
   */
  mail: { smtpUrl: string; from: string } | null;
  publicRateLimit: number;
  webhookAllowPrivate: boolean;
  /** How long a login token lives after its last use (TOUCHPOINT_TOKEN_TTL_DAYS; sliding). */
  tokenTtlMs: number;
  /**
   * TOUCHPOINT_SECRET_KEY: the operator keys that encrypt stored secrets, the current one
   * first; null when unset (then a key file beside the database: relay/secrets).
   */
  secretKeys: Buffer[] | null;
};

const DAY_MS = 24 * 60 * 60_000;

export class ConfigError extends Error {}

// The database and SMTP URLs may carry a password.
const SECRET_VARIABLES = new Set([
  'TOUCHPOINT_SMTP_URL',
  'TOUCHPOINT_SECRET_KEY',
  'TOUCHPOINT_ADMIN_PASSWORD',
  'TOUCHPOINT_DATABASE_URL',
]);

/**
 * Parses the environment once, at start. Empty strings count as unset, so `PORT= npm start`
 * behaves like no PORT at all. A bad value throws a ConfigError whose message is one line
 * naming the variable.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = Object.fromEntries(
    Object.entries(source).filter(([k, v]) => k in Env.shape && v !== undefined && v !== ''),
  ) as Record<string, string>;
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    // A secret's value is never printed, not even a wrong one: it may be almost right.
    const shown = SECRET_VARIABLES.has(name) ? '' : `=${JSON.stringify(env[name] ?? '')}`;
    throw new ConfigError(`Invalid ${name}${shown}: ${issue.message}`);
  }
  const e = parsed.data;
  const publicUrl = (e.TOUCHPOINT_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    dbPath: e.TOUCHPOINT_DB,
    databaseUrl: e.TOUCHPOINT_DATABASE_URL ?? null,
    databasePool: e.TOUCHPOINT_DATABASE_POOL,
    publicUrl,
    publicUrlExplicit: e.TOUCHPOINT_PUBLIC_URL !== undefined,
    admin:
      e.TOUCHPOINT_ADMIN_EMAIL && e.TOUCHPOINT_ADMIN_PASSWORD
        ? { email: e.TOUCHPOINT_ADMIN_EMAIL, password: e.TOUCHPOINT_ADMIN_PASSWORD }
        : null,
    demo: e.TOUCHPOINT_DEMO,
    telegramApiUrl: e.TELEGRAM_API_URL.replace(/\/+$/, ''),
    whatsappApiUrl: e.WHATSAPP_API_URL.replace(/\/+$/, ''),
    viberApiUrl: e.VIBER_API_URL.replace(/\/+$/, ''),
    vkApiUrl: e.VK_API_URL.replace(/\/+$/, ''),
    mail:
      e.TOUCHPOINT_SMTP_URL && e.TOUCHPOINT_MAIL_FROM
        ? { smtpUrl: e.TOUCHPOINT_SMTP_URL, from: e.TOUCHPOINT_MAIL_FROM }
        : null,
    publicRateLimit: e.TOUCHPOINT_PUBLIC_RATE_LIMIT,
    webhookAllowPrivate: e.TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE,
    tokenTtlMs: e.TOUCHPOINT_TOKEN_TTL_DAYS * DAY_MS,
    secretKeys: e.TOUCHPOINT_SECRET_KEY ?? null,
  };
}

/** Where the relay's data lives: the PostgreSQL URL when set, else the SQLite file. */
export const databaseLocation = (config: Pick<Config, 'dbPath' | 'databaseUrl'>): string =>
  config.databaseUrl ?? config.dbPath;

/** How the relay opens its database (relay/db/open.ts): the operator key, the pool's size. */
export const openOptions = (config: Pick<Config, 'secretKeys' | 'databasePool'>): OpenOptions => ({
  secretKeys: config.secretKeys,
  postgres: { max: config.databasePool },
});

/** A config for tests and embedding: defaults plus overrides, no environment read. */
export const testConfig = (overrides: Partial<Config> = {}): Config => ({
  ...loadConfig({}),
  dbPath: ':memory:',
  ...overrides,
});
