import type { BotRef } from '../../bots/lifecycle.js';
import type { Deps } from '../../deps.js';
import { invalidField } from '../../http/errors.js';
import type { Inbound } from '../inbound.js';
import { createSendGuard } from '../send-guard.js';
import { NoCredentials, parseSetup } from '../setup.js';
import type { Messenger } from '../types.js';
import { createViberAdapter } from './adapter.js';
import { createViberApi, VIBER_STATUS, type AccountInfo, type ViberApi } from './api.js';
import { viberHookRoutes } from './hooks.js';
import { storedViberSettings, ViberSettings } from './settings.js';
import { EVENT_TYPES } from './updates.js';

/** How long a check of a bot's token, or a webhook registration, may take. */
const CHECK_TIMEOUT_MS = 5_000;
const WEBHOOK_TIMEOUT_MS = 15_000;

type Check = { ok: true; account: AccountInfo } | { ok: false; detail: string };

/** Asks Viber whose auth token this is (`get_account_info`). */
async function checkToken(api: ViberApi, token: string): Promise<Check> {
  let reply;
  try {
    reply = await api.accountInfo(token, AbortSignal.timeout(CHECK_TIMEOUT_MS));
  } catch {
    return { ok: false, detail: 'Could not reach Viber to check this token.' };
  }
  if (reply.ok) return { ok: true, account: reply.result };
  if (reply.status === VIBER_STATUS.invalidAuthToken)
    return { ok: false, detail: `Viber rejected this auth token: ${reply.message}` };
  if (reply.status > 0)
    return { ok: false, detail: `Viber refused the bot: ${reply.message} (${reply.status})` };
  return { ok: false, detail: 'Could not reach Viber to check this token.' };
}

/**
 * Viber through the REST Bot API (`VIBER_API_URL`): a bot is its auth token, checked with
 * `get_account_info`, which also gives its chat URI and name. The bot's owner relay registers
 * the webhook (`set_webhook` to `TOUCHPOINT_PUBLIC_URL/hooks/viber/<bot id>`; Viber checks it
 * with a signed call before it answers) and removes it when the bot is stopped. Sends are
 * paced per bot and per person.
 * https://developers.viber.com/docs/api/rest-bot-api/
 */
export function createViberMessenger(
  deps: Deps,
  { inbound, sendTimeoutMs }: { inbound: Inbound; sendTimeoutMs?: number },
): Messenger {
  const { stores, config, outbound } = deps;
  const api = createViberApi(config.viberApiUrl, outbound);
  const hookUrl = (id: number) => `${config.publicUrl}/hooks/viber/${id}`;
  const fail = (bot: BotRef, detail: string) =>
    stores.bots.update(bot.id, { status: 'error', status_detail: detail });

  /** The file's size from its server's answer to HEAD: the shop's URL, checked as such. */
  const fileSize = async (url: string, signal: AbortSignal) => {
    const res = await outbound.toShopUrl(url, { method: 'HEAD', signal, maxBytes: 0 });
    const size = Number(res.headers['content-length']);
    return res.status >= 200 && res.status < 300 && Number.isSafeInteger(size) && size > 0
      ? size
      : null;
  };

  /**
   * Registers the webhook. Viber delivers callbacks only to an address it can reach over
   * https, so TOUCHPOINT_PUBLIC_URL must be set; without it the bot shows why.
   */
  async function register(bot: BotRef) {
    const token = await stores.bots.credential(bot.id);
    if (!token) return;
    if (!config.publicUrlExplicit)
      return void (await fail(
        bot,
        'Viber sends updates to TOUCHPOINT_PUBLIC_URL only: set it to the relay’s public https address.',
      ));
    try {
      const reply = await api.setWebhook(
        token,
        { url: hookUrl(bot.id), event_types: EVENT_TYPES, send_name: true, send_photo: false },
        AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      );
      if (!reply.ok) await fail(bot, `Viber refused the webhook: ${reply.message}`);
    } catch {
      await fail(bot, 'Could not reach Viber to register the webhook.');
    }
  }

  return {
    type: 'viber',

    async setup({ token, settings, credentials, current }) {
      if (!token)
        throw invalidField('token', 'Viber bots need their auth token (Edit Info → Your app key).');
      // It travels in a header: printable characters only.
      if (!/^[\x21-\x7e]{1,200}$/.test(token))
        throw invalidField('token', 'Paste the auth token as Viber shows it, without spaces.');
      const { account_name: _derived, ...given } = settings;
      // A new token: the URI is the new account's, read from Viber.
      if (current && storedViberSettings(current.settings).uri === given.uri) delete given.uri;
      const { settings: s } = parseSetup(
        { settings: ViberSettings, credentials: NoCredentials },
        { settings: given, credentials },
      );
      const check = await checkToken(api, token);
      if (!check.ok) throw invalidField('token', check.detail);
      const { uri, name } = check.account;
      if (s.uri && uri && s.uri.toLowerCase() !== uri.toLowerCase())
        throw invalidField(
          'settings.uri',
          `This auth token belongs to the bot ${uri}, not ${s.uri}.`,
        );
      return {
        settings: {
          ...(uri || s.uri ? { uri: uri ?? s.uri } : {}),
          ...(name ? { account_name: name } : {}),
        },
        credentials: {},
        nickname: null,
      };
    },

    async verify(bot) {
      const token = await stores.bots.credential(bot.id);
      if (!token) return { ok: false, detail: 'The bot has no auth token.' };
      const check = await checkToken(api, token);
      return check.ok ? { ok: true, nickname: null } : { ok: false, detail: check.detail };
    },

    adapter: createViberAdapter(deps, {
      api,
      guard: createSendGuard(),
      fileSize,
      requestTimeoutMs: sendTimeoutMs,
    }),

    start: register,

    /** Removes the webhook (an empty URL): Viber stops sending the bot's callbacks. */
    async stop(bot) {
      const token = await stores.bots.credential(bot.id);
      if (token && config.publicUrlExplicit)
        await api
          .setWebhook(token, { url: '' }, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS))
          .catch(() => {});
    },

    /** Another relay owns the bot now: the webhook stays registered for it. */
    async release() {},

    async startAll() {
      for (const bot of await stores.bots.active('viber')) await register(bot);
    },

    webhookUrl: () => null,
    routes: () => viberHookRoutes(deps, inbound),
  };
}
