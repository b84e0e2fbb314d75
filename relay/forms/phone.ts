import {
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js';

/**
 * The shop's `settings.default_country` (ISO 3166-1 alpha-2, e.g. "RU") when the phone
 * library knows it; numbers typed without a "+" are read as local numbers of that country.
 */
export function defaultCountry(
  settings: Record<string, unknown> | undefined,
): CountryCode | undefined {
  const code = settings?.default_country;
  if (typeof code !== 'string') return undefined;
  const upper = code.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

/**
 * A typed phone number in E.164 (`+79123456789`), or null when it cannot be one. We accept
 * every number of a possible length for its country (`isPossible`) rather than only the
 * ranges the bundled metadata lists as assigned (`isValid`): a lead lost to stale metadata
 * costs more than a mistyped number a manager can still read.
 * https://github.com/catamphetamine/libphonenumber-js (see `isPossible()` and `isValid()`)
 */
export function toE164(raw: string, country?: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(raw, country ? { defaultCountry: country } : undefined);
  return parsed && parsed.isPossible() ? parsed.number : null;
}
