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
export async function checkTelegramToken(apiUrl: string, token: string): Promise<TokenCheck> {
  if (!TELEGRAM_TOKEN.test(token)) {
    return { ok: false, reason: 'rejected', description: 'Not a bot token' };
  }
  let body: { ok?: unknown; description?: unknown; result?: { username?: unknown } };
  try {
    const res = await fetch(`${apiUrl}/bot${token}/getMe`, {
      method: 'POST',
      signal: AbortSignal.timeout(TELEGRAM_CHECK_TIMEOUT_MS),
    });
    body = (await res.json()) as typeof body;
  } catch {
    // Connection refused, DNS, timeout, or a proxy's HTML error page.
    return { ok: false, reason: 'unreachable' };
  }
  if (body?.ok === true && typeof body.result?.username === 'string') {
    return { ok: true, username: body.result.username };
  }
  if (body?.ok === false) {
    const description = typeof body.description === 'string' ? body.description : 'Unknown error';
    return { ok: false, reason: 'rejected', description };
  }
  return { ok: false, reason: 'unreachable' };
}

/** A sentence for the bot's status_detail, or for a 400 on `token`. */
export const describeCheck = (check: Exclude<TokenCheck, { ok: true }>) =>
  check.reason === 'rejected'
    ? `Telegram rejected this token: ${check.description}`
    : 'Could not reach Telegram to check this token.';

/** Checks a token given in a create or update; a bad one is a 400 on `token`. */
export async function requireTelegramToken(apiUrl: string, token: string): Promise<string> {
  if (!TELEGRAM_TOKEN.test(token)) {
    throw invalidField(
      'token',
      'Enter a Telegram bot token such as 123456789:AAE… (from @BotFather).',
    );
  }
  const check = await checkTelegramToken(apiUrl, token);
  if (!check.ok) throw invalidField('token', describeCheck(check));
  return check.username;
}
