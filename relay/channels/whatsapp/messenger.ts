import { randomBytes } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { toE164 } from '../../forms/phone.js';
import { invalidField } from '../../http/errors.js';
import type { Inbound } from '../inbound.js';
import { createSendGuard } from '../send-guard.js';
import { parseSetup } from '../setup.js';
import type { Messenger } from '../types.js';
import { createWhatsAppAdapter } from './adapter.js';
import { createGraphApi, type GraphApi } from './api.js';
import { whatsappHookRoutes } from './hooks.js';
import { WhatsAppCredentials, WhatsAppSettings, storedSettings } from './settings.js';

/** How long a check of a bot's token may take before the relay gives up on Meta. */
const CHECK_TIMEOUT_MS = 5_000;

type Check =
  | { ok: true; phone: string | null; name: string | null }
  | { ok: false; field: 'token' | 'settings.phone_number_id'; detail: string };

/**
 * Asks the Graph API for the phone number id with the access token: both are right when it
 * answers with the number. 190 / 401: the token; 100 and other 4xx: the number id (unknown,
 * or not reachable with this token).
 */
async function checkNumber(api: GraphApi, phoneNumberId: string, token: string): Promise<Check> {
  let reply;
  try {
    reply = await api.phoneNumber(phoneNumberId, token, AbortSignal.timeout(CHECK_TIMEOUT_MS));
  } catch {
    return { ok: false, field: 'token', detail: 'Could not reach WhatsApp to check this token.' };
  }
  if (reply.ok) {
    const display = reply.result.display_phone_number ?? '';
    const phone = display ? toE164(display.startsWith('+') ? display : `+${display}`) : null;
    return { ok: true, phone, name: reply.result.verified_name ?? null };
  }
  const { code, message } = reply.error;
  if (code === 190 || reply.status === 401)
    return { ok: false, field: 'token', detail: `WhatsApp rejected this access token: ${message}` };
  if (reply.status >= 400 && reply.status < 500 && reply.status !== 429)
    return {
      ok: false,
      field: 'settings.phone_number_id',
      detail: `WhatsApp has no phone number with this id for this token: ${message}`,
    };
  return { ok: false, field: 'token', detail: 'Could not reach WhatsApp to check this token.' };
}

const digits = (phone: string) => phone.replace(/[^0-9]/g, '');

/**
 * WhatsApp through the Cloud API (`WHATSAPP_API_URL`): a bot is a business phone number —
 * its access token, phone number id, app secret and verify token, checked with the Graph
 * API when it is connected. Meta posts updates to `/hooks/whatsapp/<bot id>` (the owner pastes
 * it into the app dashboard); nothing to register or poll. Sends are paced per number and
 * per person, within the 24-hour window or as templates.
 * https://developers.facebook.com/docs/whatsapp/cloud-api
 */
export function createWhatsAppMessenger(
  deps: Deps,
  { inbound, sendTimeoutMs }: { inbound: Inbound; sendTimeoutMs?: number },
): Messenger {
  const api = createGraphApi(deps.config.whatsappApiUrl, deps.outbound);
  return {
    type: 'whatsapp',

    async setup({ token, settings, credentials, current }) {
      if (!token)
        throw invalidField(
          'token',
          'WhatsApp bots need an access token (a system user token with whatsapp_business_messaging).',
        );
      // It travels in the Authorization header: printable characters only.
      if (!/^[\x21-\x7e]+$/.test(token))
        throw invalidField('token', 'Paste the access token as Meta shows it, without spaces.');
      const { verified_name: _derived, ...given } = settings;
      const before = current && storedSettings(current.settings);
      // A new number id with the old number: the number is the new id's, read from Meta.
      if (
        before &&
        given.phone_number_id !== before.phone_number_id &&
        given.phone_number === before.phone_number
      )
        delete given.phone_number;
      const { settings: s, credentials: c } = parseSetup(
        { settings: WhatsAppSettings, credentials: WhatsAppCredentials },
        { settings: given, credentials },
      );
      const check = await checkNumber(api, s.phone_number_id, token);
      if (!check.ok) throw invalidField(check.field, check.detail);
      const typed = s.phone_number ? toE164(s.phone_number) : null;
      if (s.phone_number && !typed)
        throw invalidField('settings.phone_number', 'Enter the number in international format.');
      if (typed && check.phone && digits(typed) !== digits(check.phone))
        throw invalidField(
          'settings.phone_number',
          `This phone number id belongs to ${check.phone}, not ${typed}.`,
        );
      const phone = typed ?? check.phone;
      if (!phone)
        throw invalidField(
          'settings.phone_number',
          'Enter the business number (WhatsApp did not say it).',
        );
      const verifyToken = c.verify_token ?? randomBytes(24).toString('base64url');
      return {
        settings: {
          ...s,
          phone_number: phone,
          ...(check.name ? { verified_name: check.name } : {}),
        },
        credentials: { app_secret: c.app_secret, verify_token: verifyToken },
        nickname: null,
        ...(c.verify_token ? {} : { shownOnce: { verify_token: verifyToken } }),
      };
    },

    async verify(bot) {
      const found = await deps.stores.bots.withSecrets(bot.id);
      const id = storedSettings(bot.settings).phone_number_id;
      if (!found?.token || !id)
        return { ok: false, detail: 'The bot has no access token or phone number id.' };
      const check = await checkNumber(api, id, found.token);
      return check.ok ? { ok: true, nickname: null } : { ok: false, detail: check.detail };
    },

    adapter: createWhatsAppAdapter(deps, {
      api,
      // 80 sends a second: a margin of 40 ms per second keeps 0.96 of the rate, and a 130429
      // widens it for a few seconds (0.2 ms worn off per send) rather than for half a second.
      guard: createSendGuard({ marginMs: 40, decayMs: 0.2 }),
      requestTimeoutMs: sendTimeoutMs,
    }),
    webhookUrl: (bot) => `${deps.config.publicUrl}/hooks/whatsapp/${bot.id}`,
    routes: () => whatsappHookRoutes(deps, inbound),
  };
}
