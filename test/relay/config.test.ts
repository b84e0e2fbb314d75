import { describe, expect, it } from 'vitest';
import { databaseLocation, loadConfig } from '../../relay/config.js';
import { openDb } from '../../relay/db/open.js';
import { SecretKeyError } from '../../relay/secrets/index.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dbPath: './data/touchpoint.db',
      publicUrl: 'http://localhost:8787',
      publicUrlExplicit: false,
      demo: false,
      telegramApiUrl: 'https://api.telegram.org',
      publicRateLimit: 60,
      webhookAllowPrivate: false,
      admin: null,
      secretKeys: null,
    });
  });

  it('reads TOUCHPOINT_SECRET_KEY as base64 or hex, the current key first, and never prints it', () => {
    const key = Buffer.alloc(32, 7);
    const old = Buffer.alloc(32, 9);
    const list = `${key.toString('base64')},${old.toString('hex')}`;
    expect(loadConfig({ TOUCHPOINT_SECRET_KEY: list }).secretKeys).toEqual([key, old]);
    expect(loadConfig({ TOUCHPOINT_SECRET_KEY: key.toString('base64url') }).secretKeys).toEqual([
      key,
    ]);
    for (const bad of [key.subarray(0, 16).toString('base64'), 'not a key', `${list},`]) {
      expect(() => loadConfig({ TOUCHPOINT_SECRET_KEY: bad })).toThrow(
        /^Invalid TOUCHPOINT_SECRET_KEY: must be 32 random bytes as base64 or hex/,
      );
      try {
        loadConfig({ TOUCHPOINT_SECRET_KEY: bad });
      } catch (err) {
        expect((err as Error).message).not.toContain(bad);
      }
    }
  });

  it('reads every variable and treats empty values as unset', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      TOUCHPOINT_PUBLIC_URL: 'https://relay.example/',
      TOUCHPOINT_DEMO: '1',
      TOUCHPOINT_PUBLIC_RATE_LIMIT: '0',
      TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE: '1',
      TOUCHPOINT_ADMIN_EMAIL: 'ops@example.test',
      TOUCHPOINT_ADMIN_PASSWORD: 'long enough',
      TELEGRAM_API_URL: '',
    });
    expect(c).toMatchObject({
      port: 9000,
      publicUrl: 'https://relay.example',
      publicUrlExplicit: true,
      demo: true,
      publicRateLimit: 0,
      webhookAllowPrivate: true,
      telegramApiUrl: 'https://api.telegram.org',
      admin: { email: 'ops@example.test', password: 'long enough' },
    });
  });

  it('selects PostgreSQL with TOUCHPOINT_DATABASE_URL, else the SQLite file, and never prints the URL', () => {
    expect(loadConfig({}).databaseUrl).toBeNull();
    expect(databaseLocation(loadConfig({ TOUCHPOINT_DB: '/var/tp.db' }))).toBe('/var/tp.db');
    for (const url of ['postgres://tp:pw@db.internal:5432/touchpoint', 'postgresql://db/tp']) {
      const c = loadConfig({ TOUCHPOINT_DATABASE_URL: url, TOUCHPOINT_DB: '/var/tp.db' });
      expect(c.databaseUrl).toBe(url);
      expect(databaseLocation(c)).toBe(url);
    }
    expect(loadConfig({ TOUCHPOINT_DATABASE_URL: '' }).databaseUrl).toBeNull();
    const bad = 'mysql://tp:secret-pw@db/tp';
    expect(() => loadConfig({ TOUCHPOINT_DATABASE_URL: bad })).toThrow(
      /^Invalid TOUCHPOINT_DATABASE_URL: must be a postgres:\/\/ \(or postgresql:\/\/\) URL$/,
    );
  });

  it('reads TOUCHPOINT_DATABASE_POOL, the pool each relay opens on PostgreSQL', () => {
    expect(loadConfig({}).databasePool).toBe(10);
    expect(loadConfig({ TOUCHPOINT_DATABASE_POOL: '4' }).databasePool).toBe(4);
    for (const bad of ['0', '2.5', 'ten', '1001'])
      expect(() => loadConfig({ TOUCHPOINT_DATABASE_POOL: bad })).toThrow(
        /^Invalid TOUCHPOINT_DATABASE_POOL=.*: must be a whole number of connections \(1 to 1000\)$/,
      );
  });

  it('reads WHATSAPP_API_URL, and SMTP for email alerts only with both variables, never printing the URL', () => {
    expect(loadConfig({}).whatsappApiUrl).toBe('https://graph.facebook.com');
    expect(loadConfig({ WHATSAPP_API_URL: 'http://127.0.0.1:9000/' }).whatsappApiUrl).toBe(
      'http://127.0.0.1:9000',
    );
    expect(loadConfig({}).mail).toBeNull();
    const smtp = 'smtps://alerts:smtp-pw@mail.example:465';
    expect(loadConfig({ TOUCHPOINT_SMTP_URL: smtp }).mail).toBeNull();
    expect(
      loadConfig({ TOUCHPOINT_SMTP_URL: smtp, TOUCHPOINT_MAIL_FROM: 'Shop <alerts@shop.example>' })
        .mail,
    ).toEqual({ smtpUrl: smtp, from: 'Shop <alerts@shop.example>' });
    const bad = 'http://alerts:smtp-pw@mail.example';
    expect(() => loadConfig({ TOUCHPOINT_SMTP_URL: bad })).toThrow(
      /^Invalid TOUCHPOINT_SMTP_URL: must be an smtp:\/\/user:pass@host:port or smtps:\/\/… URL$/,
    );
    expect(() => loadConfig({ TOUCHPOINT_MAIL_FROM: 'not an address' })).toThrow(
      /^Invalid TOUCHPOINT_MAIL_FROM="not an address": must be an address/,
    );
  });

  it('reads VIBER_API_URL and VK_API_URL, and refuses a value that is not an http(s) URL', () => {
    const defaults = loadConfig({});
    expect([defaults.viberApiUrl, defaults.vkApiUrl]).toEqual([
      'https://chatapi.viber.com',
      'https://api.vk.com/method',
    ]);
    const local = loadConfig({
      VIBER_API_URL: 'http://127.0.0.1:9001/',
      VK_API_URL: 'http://127.0.0.1:9002/method/',
    });
    expect([local.viberApiUrl, local.vkApiUrl]).toEqual([
      'http://127.0.0.1:9001',
      'http://127.0.0.1:9002/method',
    ]);
    expect(() => loadConfig({ VK_API_URL: 'ftp://api.vk.com' })).toThrow(
      /^Invalid VK_API_URL="ftp:\/\/api.vk.com": must be an http\(s\) URL$/,
    );
  });

  it('refuses PostgreSQL without TOUCHPOINT_SECRET_KEY, before connecting', async () => {
    // Nothing listens on port 1: the refusal comes before any connection is tried.
    const open = openDb('postgres://touchpoint@127.0.0.1:1/touchpoint');
    await expect(open).rejects.toThrow(SecretKeyError);
    await expect(open).rejects.toThrow(/TOUCHPOINT_SECRET_KEY must be set with PostgreSQL/);
  });

  it('stops with one line naming the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^Invalid PORT="eighty": /);
    expect(() => loadConfig({ TOUCHPOINT_DEMO: 'yes' })).toThrow(/TOUCHPOINT_DEMO.*must be 0 or 1/);
    expect(() => loadConfig({ TOUCHPOINT_ADMIN_EMAIL: 'a@b.test' })).toThrow(
      /TOUCHPOINT_ADMIN_PASSWORD/,
    );
    expect(() => loadConfig({ TELEGRAM_API_URL: 'not a url' })).toThrow(/TELEGRAM_API_URL/);
  });

  it('reads the login token lifetime in whole days (default 30)', () => {
    const day = 86_400_000;
    expect(loadConfig({}).tokenTtlMs).toBe(30 * day);
    expect(loadConfig({ TOUCHPOINT_TOKEN_TTL_DAYS: '7' }).tokenTtlMs).toBe(7 * day);
    for (const bad of ['0', '-1', '1.5', 'week'])
      expect(() => loadConfig({ TOUCHPOINT_TOKEN_TTL_DAYS: bad })).toThrow(
        /^Invalid TOUCHPOINT_TOKEN_TTL_DAYS=.*days/,
      );
  });
});
