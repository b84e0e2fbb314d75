import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../relay/commands.js';
import { openDb } from '../../../relay/db/open.js';
import { sql } from '../../../relay/db/sql.js';
import { createStores } from '../../../relay/deps.js';
import { createSecretBox, keyId, newKey, SecretKeyError } from '../../../relay/secrets/box.js';
import { envKeySource, keyFilePath, parseKey } from '../../../relay/secrets/keys.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import {
  describeSqlite,
  onPostgres,
  testDatabase,
  type TestDatabase,
} from '../../helpers/engine.js';
import { startWhatsAppFake, type WhatsAppFake } from '../../fakes/whatsapp.js';
import { runRelayExpectingExit, spawnRelay, stop } from '../../helpers/process.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, subscribe, telegramBot, tgUser } from '../channels/fixtures.js';
import { startReceiver, verify, type Receiver } from '../webhooks/receiver.js';
import { waUser, whatsappBot } from '../channels/whatsapp-fixtures.js';

/** Every stored secret as it is in the database (encrypted). */
const storedSecrets = async (relay: { db: Relay['db'] }) =>
  (
    await relay.db.all(
      sql<undefined, { v: string }>(
        `SELECT credential AS v FROM bots WHERE credential IS NOT NULL
         UNION ALL SELECT credentials FROM bots WHERE credentials IS NOT NULL
         UNION ALL SELECT secret FROM webhook_endpoints
         UNION ALL SELECT previous_secret FROM webhook_endpoints WHERE previous_secret IS NOT NULL`,
      ),
    )
  ).map((r) => r.v);
const keysIn = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map(parseKey);

describeSqlite(
  'rotating the operator key (key file)',
  'the key file beside the SQLite file',
  () => {
    let fake: TelegramFake;
    let wa: WhatsAppFake;
    let receiver: Receiver;
    let relay: Relay;
    let owner: Owner;
    beforeAll(async () => {
      [fake, wa, receiver] = await Promise.all([
        startTelegramFake(),
        startWhatsAppFake(),
        startReceiver(),
      ]);
      relay = await startRelay(
        { telegramApiUrl: fake.url, whatsappApiUrl: wa.url, webhookAllowPrivate: true },
        { channels: { pollTimeoutS: 1 } },
      );
      owner = await userWithShop(relay);
    });
    afterAll(async () => {
      await relay.close();
      await Promise.all([fake.close(), wa.close(), receiver.close()]);
    });

    it('re-encrypts every secret while the relay runs: webhooks still verify, the bot still sends', async () => {
      const { bot, token } = await telegramBot(relay, fake, owner);
      const whatsapp = await whatsappBot(relay, wa, owner);
      const endpoint = await relay.api.post(
        '/api/webhooks/endpoints/',
        { shop_id: owner.shop.id, url: `${receiver.url}/hook`, events: ['lead.created'] },
        { token: owner.token },
      );
      const secret = endpoint.body.result.secret as string;
      const file = keyFilePath(relay.config.dbPath);
      const [oldKey] = keysIn(file);
      expect(new Set((await storedSecrets(relay)).map((v) => v.split(':')[2]))).toEqual(
        new Set([keyId(oldKey)]),
      );

      const rotated = await run(['secrets:rotate-key'], { TOUCHPOINT_DB: relay.config.dbPath });
      const json = rotated.json as { key_id: string; secrets: number; key_file: string };
      // The two bots' tokens, the WhatsApp bot's credentials, the endpoint's signing secret.
      expect(json).toMatchObject({ key_file: file, secrets: 4 });
      expect(rotated.text).toContain(`under key ${json.key_id}`);
      const keys = keysIn(file);
      expect(keys.map(keyId)).toEqual([json.key_id]); // the old key is gone from the file
      expect(json.key_id).not.toBe(keyId(oldKey));
      const stored = await storedSecrets(relay);
      for (const v of stored) expect(v.split(':')[2]).toBe(json.key_id);
      const old = createSecretBox(envKeySource([oldKey]));
      for (const v of stored) expect(() => old.open(v)).toThrow(SecretKeyError);

      // The running relay follows the key file: it signs with the same webhook secret…
      await relay.api.post(
        '/api/store/leads/',
        { shop_id: owner.shop.id, fields: { name: 'After rotation' } },
        { token: owner.token },
      );
      const [req] = await receiver.waitFor(1);
      expect(verify(secret, req).data.fields).toEqual({ name: 'After rotation' });
      // …and sends through the Telegram bot with the same token.
      const user = tgUser();
      const botUser = await subscribe(relay, bot, user);
      const sent = await relay.api.post(
        '/api/bot/messages/send_message/',
        { shop_id: owner.shop.id, bot_user_id: botUser.id, payload: { text: 'Still here' } },
        { token: owner.token },
      );
      expect(sent.status).toBe(201);
      await eventually(() => fake.messagesTo(user.id).length === 1, 8_000);
      // …and checks WhatsApp's signatures and verify token with the same app secret and token.
      expect((await wa.text(whatsapp.number, waUser(), 'after rotation')).status).toBe(200);
      expect((await wa.verify(whatsapp.hook, whatsapp.verifyToken)).status).toBe(200);
      // A relay started afterwards reads them with the new key file.
      const again = await openDb(relay.config.dbPath);
      const stores = createStores(again);
      expect(await stores.bots.credential(bot.id)).toBe(token);
      expect((await stores.webhooks.forSend(endpoint.body.result.id))!.secrets).toEqual([secret]);
      await again.close();
    });
  },
);

describe('the operator key from TOUCHPOINT_SECRET_KEY', () => {
  const first = newKey().toString('base64');
  let current: string; // the key after rotation
  let secret: string;
  let database: TestDatabase;
  /** Where the database is, without a key: each step says which key it uses. */
  let where: Record<string, string>;
  /** No key file beside the database (SQLite; PostgreSQL never has one). */
  const noKeyFile = () => onPostgres || !existsSync(keyFilePath(database.location));
  beforeAll(async () => {
    database = await testDatabase({ prefix: 'envkey' });
    where = Object.fromEntries(
      Object.entries(database.env).filter(([name]) => name !== 'TOUCHPOINT_SECRET_KEY'),
    );
  });
  afterAll(() => database?.drop());

  it('encrypts with it (no key file), and rotating prints the new key to set', async () => {
    const db = await openDb(database.location, { secretKeys: [parseKey(first)] });
    const stores = createStores(db);
    const shop = await stores.shops.create({ name: 'Env key' }, null);
    ({ secret } = await stores.webhooks.create({
      shop_id: shop.id,
      url: 'https://hooks.example/x',
      events: ['lead.created'],
    }));
    await db.close();
    expect(noKeyFile()).toBe(true);

    const rotated = await run(['secrets:rotate-key'], { ...where, TOUCHPOINT_SECRET_KEY: first });
    const json = rotated.json as { secret_key: string; key_id: string; new_key: boolean };
    expect(json.new_key).toBe(true);
    expect(json.secret_key).not.toBe(first);
    expect(rotated.text).toContain(`TOUCHPOINT_SECRET_KEY=${json.secret_key}`);
    current = json.secret_key;
    expect(noKeyFile()).toBe(true);
    const reopened = await openDb(database.location, {
      secretKeys: [parseKey(json.secret_key)],
    });
    expect((await createStores(reopened).webhooks.forSend(1))!.secrets).toEqual([secret]);
    await reopened.close();
  });

  it('refuses to start with a wrong key, saying which key the secrets need, and starts with the right one', async () => {
    const wrong = newKey().toString('base64');
    for (const key of [wrong, first]) {
      const { code, output } = await runRelayExpectingExit({
        ...where,
        TOUCHPOINT_SECRET_KEY: key,
      });
      expect(code).toBe(1);
      expect(output.trim()).toBe(
        `touchpoint: Cannot read a stored webhook signing secret: A stored secret was encrypted with key ${keyId(parseKey(current))}, which TOUCHPOINT_SECRET_KEY does not hold (it holds ${keyId(parseKey(key))}): start the relay with the key the secrets were encrypted with.`,
      );
      expect(output).not.toContain(key);
    }
    const malformed = await runRelayExpectingExit({
      ...where,
      TOUCHPOINT_SECRET_KEY: 'c2hvcnQ=',
    });
    expect(malformed.code).toBe(1);
    expect(malformed.output.trim()).toBe(
      'touchpoint: Invalid TOUCHPOINT_SECRET_KEY: must be 32 random bytes as base64 or hex (openssl rand -base64 32); several keys are separated by commas, the current one first',
    );
    // Without the variable, a fresh key file would open nothing: it is not made. PostgreSQL
    // has no key file at all: the variable is required.
    const noKey = await runRelayExpectingExit(where);
    expect(noKey.code).toBe(1);
    expect(noKey.output).toContain(
      onPostgres
        ? 'TOUCHPOINT_SECRET_KEY must be set with PostgreSQL'
        : `key file ${keyFilePath(database.location)} is missing`,
    );
    expect(noKeyFile()).toBe(true);

    for (const key of [current, `${current},${first}`]) {
      const relay = await spawnRelay({ ...where, TOUCHPOINT_SECRET_KEY: key });
      expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
      await stop(relay.child);
    }
  }, 60_000);
});
