import { invalidField } from '../http/errors.js';
import type { Outbound } from '../http/outbound.js';

/**
 * Where each provider verifies a response token. Both speak the same protocol: a form POST
 * of `secret`, `response` and optional `remoteip`, answered `{success, "error-codes"}`.
 * https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
 * https://docs.hcaptcha.com/#verify-the-user-response-server-side
 */
export const CAPTCHA_VERIFY_URL = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
} as const;
export type CaptchaProvider = keyof typeof CAPTCHA_VERIFY_URL;

/** How long a lead waits for the provider before the check counts as failed. */
export const CAPTCHA_TIMEOUT_MS = 5_000;

export type CaptchaSettings = { provider: CaptchaProvider; secret: string; verifyUrl: string };

/**
 * The shop's `settings.captcha` — `{provider: 'turnstile'|'hcaptcha', secret, verify_url?}`
 * — or null when absent or incomplete (then no captcha is required).
 */
export function captchaSettings(settings: Record<string, unknown>): CaptchaSettings | null {
  const c = settings.captcha as Record<string, unknown> | null | undefined;
  if (typeof c !== 'object' || c === null) return null;
  const provider = c.provider;
  if (provider !== 'turnstile' && provider !== 'hcaptcha') return null;
  if (typeof c.secret !== 'string' || !c.secret) return null;
  const verifyUrl =
    typeof c.verify_url === 'string' && c.verify_url ? c.verify_url : CAPTCHA_VERIFY_URL[provider];
  return { provider, secret: c.secret, verifyUrl };
}

/**
 * Why the `verify_url` in shop settings being saved cannot be used (not http(s), or a
 * private address), or null. Sending checks again, at connect time.
 */
export async function verifyUrlProblem(
  settings: Record<string, unknown> | undefined,
  outbound: Outbound,
): Promise<string | null> {
  const c = settings?.captcha as Record<string, unknown> | null | undefined;
  if (typeof c !== 'object' || c === null || typeof c.verify_url !== 'string') return null;
  return outbound.urlProblem(c.verify_url);
}

/** Bytes of a verifier's answer read: `{success, "error-codes"}` is tiny. */
const MAX_ANSWER_BYTES = 16 * 1024;

/**
 * One answer for every failure, whatever the verifier did. A shop chooses `verify_url`,
 * and a public caller must not learn from the relay's answer whether that address refused
 * the connection, was refused by the relay, timed out or said no: the relay would be a
 * port scanner for whoever holds a publishable key.
 */
const failed = () => invalidField('captcha_token', 'The captcha check failed. Try again.');

/** Why verification failed, for the operator's log: a line per shop per minute at most. */
const logged = new Map<string, number>();
function logFailure(url: string, reason: string) {
  const host = URL.canParse(url) ? new URL(url).host : url;
  const t = Date.now();
  if ((logged.get(host) ?? 0) > t) return;
  if (logged.size > 1000) logged.clear();
  logged.set(host, t + 60_000);
  console.warn(`captcha: verification through ${host} failed: ${reason}`);
}

/**
 * Checks a visitor's captcha token with the provider; throws a 400 naming `captcha_token`
 * when it is missing, and the same 400 whenever it is not confirmed. `verify_url` is a
 * shop-supplied URL: the outbound client checks the address it connects to (no private
 * addresses unless TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE, as for webhooks).
 */
export async function verifyCaptcha(
  settings: CaptchaSettings,
  token: string | undefined,
  ip: string,
  outbound: Outbound,
): Promise<void> {
  if (!token) throw invalidField('captcha_token', 'Complete the captcha.');
  const form = new URLSearchParams({ secret: settings.secret, response: token });
  if (ip !== 'unknown') form.set('remoteip', ip);
  let answer: { success?: unknown };
  try {
    const res = await outbound.toShopUrl(settings.verifyUrl, {
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      timeoutMs: CAPTCHA_TIMEOUT_MS,
      maxBytes: MAX_ANSWER_BYTES,
    });
    if (res.status < 200 || res.status >= 300)
      throw new Error(`the verifier answered ${res.status}`);
    answer = JSON.parse(res.body.toString('utf8')) as { success?: unknown };
  } catch (err) {
    logFailure(settings.verifyUrl, (err as Error).message);
    throw failed();
  }
  if (answer?.success !== true) throw failed();
}
