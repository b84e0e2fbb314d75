import { ApiError, invalidField } from '../http/errors.js';
import { urlProblem } from '../webhooks/ssrf.js';

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

/** How long a lead waits for the provider before the relay answers 503. */
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

const unavailable = () =>
  new ApiError(
    503,
    'Captcha verification is unavailable right now. Try again.',
    {},
    {
      'Retry-After': '5',
    },
  );

/**
 * Checks a visitor's captcha token with the provider; throws a 400 naming `captcha_token`
 * when it is missing or refused, 503 when the provider cannot be reached. A custom
 * `verify_url` must not point into the relay's own network unless private addresses are
 * allowed (TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE, as for webhooks).
 */
export async function verifyCaptcha(
  settings: CaptchaSettings,
  token: string | undefined,
  ip: string,
  allowPrivate: boolean,
): Promise<void> {
  if (!token) throw invalidField('captcha_token', 'Complete the captcha.');
  const custom = !Object.values(CAPTCHA_VERIFY_URL).includes(settings.verifyUrl as never);
  if (custom && (await urlProblem(settings.verifyUrl, allowPrivate))) throw unavailable();
  const form = new URLSearchParams({ secret: settings.secret, response: token });
  if (ip !== 'unknown') form.set('remoteip', ip);
  let answer: { success?: unknown };
  try {
    const res = await fetch(settings.verifyUrl, {
      method: 'POST',
      body: form,
      redirect: 'error',
      signal: AbortSignal.timeout(CAPTCHA_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`verifier answered ${res.status}`);
    answer = (await res.json()) as { success?: unknown };
  } catch {
    throw unavailable();
  }
  if (answer?.success !== true)
    throw invalidField('captcha_token', 'The captcha check failed. Try again.');
}
