import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../../relay/db/open.js';
import { sql } from '../../../relay/db/sql.js';
import { createStores } from '../../../relay/deps.js';
import { keyFilePath } from '../../../relay/secrets/keys.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { startWhatsAppFake, type WhatsAppFake } from '../../fakes/whatsapp.js';
import { whatsappBot, type WhatsAppBot } from '../channels/whatsapp-fixtures.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { telegramBot } from '../channels/fixtures.js';
import { describeSqlite, onPostgres, testDatabase } from '../../helpers/engine.js';

const CAPTCHA_SECRET = '0x4AAAAAAAcaptcha-secret-at-rest';
const mode = (path: string) => statSync(path).mode & 0o777;
/** The bytes of the database and its -wal and -shm files, as someone who copies them sees them. */
const rawFiles = (dbPath: string) =>
  Buffer.concat(
    [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter(existsSync).map((f) => readFileSync(f)),
  );

describe('secrets at rest', () => {
  let fake: TelegramFake;
  let waFake: WhatsAppFake;
  let wa: WhatsAppBot;
  let relay: Relay;
  let owner: Owner;
  let token: string;
  let botId: number;
  const webhookSecrets: string[] = [];
  let endpointId: number;
  beforeAll(async () => {
    fake = await startTelegramFake();
    waFake = await startWhatsAppFake();
    relay = await startRelay(
      { telegramApiUrl: fake.url, whatsappApiUrl: waFake.url, webhookAllowPrivate: true },
      { channels: { pollTimeoutS: 1 } },
    );
    owner = await userWithShop(relay);
    ({
      token,
      bot: { id: botId },
    } = await telegramBot(relay, fake, owner));
    wa = await whatsappBot(relay, waFake, owner);
    const created = await relay.api.post(
      '/api/webhooks/endpoints/',
      { shop_id: owner.shop.id, url: 'http://127.0.0.1:9/hook', events: ['lead.created'] },
      { token: owner.token },
    );
    endpointId = created.body.result.id;
    webhookSecrets.push(created.body.result.secret);
    const rotated = await relay.api.post(
      `/api/webhooks/endpoints/${endpointId}/rotate_secret/`,
      undefined,
      { token: owner.token },
    );
    webhookSecrets.push(rotated.body.result.secret);
    const settings = await relay.api.patch(
      `/api/shop/shops/${owner.shop.id}/`,
      { settings: { captcha: { provider: 'turnstile', secret: CAPTCHA_SECRET } } },
      { token: owner.token },
    );
    expect(settings.status).toBe(200);
  });
  afterAll(async () => {
    await relay.close();
    await fake.close();
    await waFake.close();
  });
  /** The WhatsApp bot's access token, app secret and the verify token the relay made up. */
  const whatsappSecrets = () => [wa.number.token, wa.appSecret, wa.verifyToken];

  it('keeps no bot token, webhook secret or captcha secret in clear in the database or its WAL', async () => {
    if (relay.db.engine === 'sqlite') {
      // The bytes of the files: SQLite only (PostgreSQL's files are the server's).
      const bytes = rawFiles(relay.config.dbPath);
      expect(existsSync(`${relay.config.dbPath}-wal`)).toBe(true); // the writes above are there
      for (const secret of [
        token,
        token.split(':')[1],
        ...whatsappSecrets(),
        ...webhookSecrets,
        CAPTCHA_SECRET,
      ])
        expect(bytes.includes(secret), `${secret.slice(0, 12)}… in the database files`).toBe(false);
    }
    // They are there encrypted, and the relay still reads them.
    const raw = (await relay.db.get(sql('SELECT credential FROM bots WHERE id = ?'), [botId])) as {
      credential: string;
    };
    expect(raw.credential).toMatch(/^enc:v1:[\w-]{8}:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(relay.db.secrets.open(raw.credential)).toBe(token);
    const whatsapp = (await relay.db.get(sql('SELECT credentials FROM bots WHERE id = ?'), [
      wa.bot.id,
    ])) as { credentials: string };
    expect(whatsapp.credentials).toMatch(/^enc:v1:/);
    expect(JSON.parse(relay.db.secrets.open(whatsapp.credentials))).toEqual({
      app_secret: wa.appSecret,
      verify_token: wa.verifyToken,
    });
  });

  it('never answers a secret: bots, webhook endpoints and shop settings show that one is set', async () => {
    const auth = { token: owner.token };
    const shop = await relay.api.get(`/api/shop/shops/${owner.shop.id}/`, auth);
    expect(shop.body.result.settings.captcha).toEqual({ provider: 'turnstile', has_secret: true });
    const bot = await relay.api.get(`/api/bot/bots/${botId}/`, auth);
    expect(bot.body.result.has_token).toBe(true);
    const endpoint = await relay.api.get(`/api/webhooks/endpoints/${endpointId}/`, auth);
    const lists = await Promise.all(
      ['/api/shop/shops/', '/api/bot/bots/', '/api/webhooks/endpoints/'].map((p) =>
        relay.api.get(`${p}?shop_id=${owner.shop.id}`, auth),
      ),
    );
    for (const r of [shop, bot, endpoint, ...lists]) {
      expect(r.status).toBe(200);
      for (const secret of [token, ...whatsappSecrets(), ...webhookSecrets, CAPTCHA_SECRET])
        expect(r.text).not.toContain(secret);
      expect(r.text).not.toContain('enc:v1:');
    }

    // What a client read and sends back (has_secret, no secret) keeps the secret.
    const echoed = await relay.api.patch(
      `/api/shop/shops/${owner.shop.id}/`,
      { settings: { captcha: { ...shop.body.result.settings.captcha, provider: 'hcaptcha' } } },
      auth,
    );
    expect(echoed.body.result.settings.captcha).toEqual({ provider: 'hcaptcha', has_secret: true });
    const internal = await relay.stores.shops.getWithSecrets(owner.shop.id);
    expect(internal!.settings.captcha).toEqual({ provider: 'hcaptcha', secret: CAPTCHA_SECRET });
    // null removes it.
    const cleared = await relay.api.patch(
      `/api/shop/shops/${owner.shop.id}/`,
      { settings: { captcha: { provider: 'hcaptcha', secret: null } } },
      auth,
    );
    expect(cleared.body.result.settings.captcha).toEqual({
      provider: 'hcaptcha',
      has_secret: false,
    });
  });

  it.skipIf(onPostgres)(
    'keeps the database, its -wal and -shm, and the key file readable by the relay’s user only (SQLite’s files)',
    () => {
      const db = relay.config.dbPath;
      for (const f of [db, `${db}-wal`, `${db}-shm`, keyFilePath(db)])
        expect(mode(f), f).toBe(0o600);
    },
  );
});

describeSqlite('the database files', 'file modes of the SQLite file, its WAL and key file', () => {
  it('are created 0700 (folder) and 0600, and made 0600 again when found looser', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'touchpoint-modes-'));
    const path = join(dir, 'data', 'touchpoint.db');
    let db = await openDb(path);
    createStores(db);
    await db.run(sql(`INSERT INTO shops (name) VALUES ('Modes')`));
    expect(mode(join(dir, 'data'))).toBe(0o700);
    const files = [path, `${path}-wal`, `${path}-shm`, keyFilePath(path)];
    for (const f of files) expect(mode(f), f).toBe(0o600);
    // Loosened while the relay runs (a backup tool, a careless chmod): fixed on the next start.
    for (const f of files) chmodSync(f, 0o644);
    const reader = new Database(path); // keeps -wal and -shm in place across the reopen
    await db.close();
    db = await openDb(path);
    for (const f of files) expect(mode(f), f).toBe(0o600);
    await db.close();
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('a database from before secrets were encrypted', () => {
  it('has its secrets encrypted at start, and the relay uses them as before', async () => {
    const database = await testDatabase({ prefix: 'upgrade' });
    try {
      let db = await database.open();
      const shop = (await db.get(sql(`INSERT INTO shops (name) VALUES ('Old') RETURNING id`))) as {
        id: number;
      };
      // What an older relay wrote: every secret in clear.
      const settings = JSON.stringify({
        captcha: { provider: 'turnstile', secret: 'old-captcha' },
      });
      await db.run(sql(`UPDATE shops SET settings = ? WHERE id = ?`), [settings, shop.id]);
      const bot = (await db.get(
        sql(
          `INSERT INTO bots (shop_id, bot_type, name, credential) VALUES (?, 'telegram', 'Old', '123:old-token') RETURNING id`,
        ),
        [shop.id],
      )) as { id: number };
      await db.run(
        sql(
          `INSERT INTO bots (shop_id, bot_type, name, credentials) VALUES (?, 'whatsapp', 'Old WA', '{"app_secret":"old-app-secret"}')`,
        ),
        [shop.id],
      );
      const ep = (await db.get(
        sql(
          `INSERT INTO webhook_endpoints (shop_id, url, secret, previous_secret, previous_secret_until)
           VALUES (?, 'https://hooks.example/', 'whsec_old', 'whsec_older', ?) RETURNING id`,
        ),
        [shop.id, new Date(Date.now() + 3_600_000).toISOString()],
      )) as { id: number };
      await db.close();

      db = await database.open();
      const stores = createStores(db);
      // What is stored: the file's bytes on SQLite (WAL included), the columns on both.
      const raw = onPostgres ? '' : rawFiles(database.location).toString('latin1');
      const columns = await db.all(
        sql<[number, number, number], { v: string }>(
          `SELECT settings AS v FROM shops WHERE id = ?
           UNION ALL SELECT coalesce(credential, '') || ' ' || coalesce(credentials, '')
             FROM bots WHERE shop_id = ?
           UNION ALL SELECT secret || ' ' || previous_secret FROM webhook_endpoints WHERE id = ?`,
        ),
        [shop.id, shop.id, ep.id],
      );
      expect(columns).toHaveLength(4);
      for (const secret of ['old-captcha', '123:old-token', 'whsec_old', 'old-app-secret']) {
        expect(raw).not.toContain(secret);
        for (const { v } of columns) expect(v).not.toContain(secret);
      }
      expect(await stores.bots.credential(bot.id)).toBe('123:old-token');
      expect((await stores.webhooks.forSend(ep.id))!.secrets).toEqual(['whsec_old', 'whsec_older']);
      expect((await stores.shops.getWithSecrets(shop.id))!.settings.captcha).toMatchObject({
        secret: 'old-captcha',
      });
      expect((await stores.shops.get(shop.id))!.settings.captcha).toEqual({
        provider: 'turnstile',
        has_secret: true,
      });
      await db.close();
    } finally {
      await database.drop();
    }
  });
});
