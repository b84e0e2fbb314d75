import type { TelegramApi } from '../channels/telegram/api.js';
import { invalidField } from '../http/errors.js';
import { TELEGRAM_TOKEN } from './schemas.js';

/** How long a token check may take before the relay gives up on Telegram. */
export const TELEGRAM_CHECK_TIMEOUT_MS = 5_000;

export type TokenCheck =
  | { ok: true; username: string }
  | { ok: false; reason: 'rejected'; description: string }
  | { ok: false; reason: 'unreachable' };

/**
 * Asks Telegram who the token belongs to (`getMe`). The token is a secret: it appears in
 * the request URL only, never in logs or error messages.
 * https://core.telegram.org/bots/api#getme
 */
export async function checkTelegramToken(api: TelegramApi, token: string): Promise<TokenCheck> {
  if (!TELEGRAM_TOKEN.test(token)) {
    return { ok: false, reason: 'rejected', description: 'Not a bot token' };
  }
  let reply;
  try {
    reply = await api.call<{ username?: unknown }>(
      token,
      'getMe',
      {},
      AbortSignal.timeout(TELEGRAM_CHECK_TIMEOUT_MS),
    );
  } catch {
    return { ok: false, reason: 'unreachable' }; // connection refused, DNS, timeout
  }
  if (reply.ok && typeof reply.result?.username === 'string') {
    return { ok: true, username: reply.result.username };
  }
  // Telegram's own refusals are 4xx with a description; a proxy's error page is not one.
  if (!reply.ok && reply.status >= 400 && reply.status < 500 && reply.status !== 429) {
    return { ok: false, reason: 'rejected', description: reply.description };
  }
  return { ok: false, reason: 'unreachable' };
}

/** A sentence for the bot's status_detail, or for a 400 on `token`. */
export const describeCheck = (check: Exclude<TokenCheck, { ok: true }>) =>
  check.reason === 'rejected'
    ? `Telegram rejected this token: ${check.description}`
    : 'Could not reach Telegram to check this token.';

/** Checks a token given in a create or update; a bad one is a 400 on `token`. */
export async function requireTelegramToken(api: TelegramApi, token: string): Promise<string> {
  if (!TELEGRAM_TOKEN.test(token)) {
    throw invalidField(
      'token',
      'Enter a Telegram bot token such as 123456789:AAE… (from @BotFather).',
    );
  }
  const check = await checkTelegramToken(api, token);
  if (!check.ok) throw invalidField('token', describeCheck(check));
  return check.username;
}
