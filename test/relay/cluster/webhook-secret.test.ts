import { afterAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { updates } from '../../fakes/telegram-updates.js';
import { createDatabase, postgresForSuite, startPgRelay } from '../../helpers/cluster.js';
import { freePort } from '../../helpers/process.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';
import { telegramBot, tgUser } from '../channels/fixtures.js';

const pgs = await postgresForSuite();
afterAll(() => pgs.server?.stop());

const engines = [
  ['sqlite', (overrides: Parameters<typeof startRelay>[0]) => startRelay(overrides)],
  [
    'postgres',
    async (overrides: Parameters<typeof startRelay>[0]) =>
      startPgRelay(await createDatabase(pgs.server!), overrides),
  ],
] as const;

/**
 * A bot's webhook gets a new secret each time a relay registers it (a relay started, a new
 * owner took the bot over). Telegram may still send updates with the old one for a moment —
 * those under way, or all of them should the previous owner's registration reach Telegram
 * last — so the previous secret stays valid for a grace period, and no longer.
 */
describe.each(engines)('the previous webhook secret on %s', (engine, start) => {
  it.skipIf(engine === 'postgres' && !pgs.server)(
    'is accepted for its grace period after the webhook was registered again, then refused',
    async () => {
      const fake: TelegramFake = await startTelegramFake();
      const port = await freePort();
      let relay: Relay | undefined;
      try {
        relay = await start({
          port,
          publicUrl: `http://127.0.0.1:${port}`,
          publicUrlExplicit: true,
          telegramApiUrl: fake.url,
        });
        const owner = await userWithShop(relay);
        const { bot, token } = await telegramBot(relay, fake, { ...owner });
        const first = fake.webhookOf(token)!.secret_token!;
        // Registered again, as the bot's next owner does (a relay that started, or took the
        // bot over from one that stopped or died).
        await relay.channels.lifecycle.start(bot);
        const second = fake.webhookOf(token)!.secret_token!;
        expect(second).not.toBe(first);

        // As Telegram calls the webhook, with the secret it has.
        const with_ = (secret: string) =>
          fetch(`${relay!.url}/hooks/telegram/${bot.id}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-telegram-bot-api-secret-token': secret,
            },
            body: JSON.stringify({ update_id: 1, ...updates.text(tgUser(), 'hi') }),
          });
        expect((await with_(second)).status).toBe(200);
        expect((await with_(first)).status).toBe(200);
        expect((await with_('never-registered')).status).toBe(401);

        // The grace period is over.
        await relay.db.run(
          sql(
            `UPDATE bots SET webhook_secret_prev_until = '2000-01-01T00:00:00.000Z' WHERE id = ?`,
          ),
          [bot.id],
        );
        expect((await with_(first)).status).toBe(401);
        expect((await with_(second)).status).toBe(200);

        // Stopped: no secret works any more.
        await relay.api.post(`/api/bot/bot/${bot.id}/stop/`, undefined, { token: owner.token });
        expect((await with_(second)).status).toBe(401);
      } finally {
        await relay?.close();
        await fake.close();
      }
    },
    60_000,
  );
});
