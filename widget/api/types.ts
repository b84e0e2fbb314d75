/**
 * The wire contract between the widget and the relay's public API (/public/v1/…), as the
 * widget reads it. The relay's zod schemas must produce exactly these shapes; this file is
 * the widget side of DESIGN.md "Public API for the widget".
 */

export type Locale = 'en' | 'ru';

/** A text per locale; `en` always present, a missing `ru` falls back to `en`. */
export type Label = { en: string; ru?: string };

export type FieldType = 'text' | 'email' | 'tel' | 'textarea' | 'select' | 'checkbox';

export type FormField = {
  /** Also the `<input name>` the widget renders and the key in the lead's `fields`. */
  name: string;
  label: Label;
  type: FieldType;
  /** For a checkbox: it must be ticked. */
  required: boolean;
  /** null for select and checkbox. */
  max_length: number | null;
  /** select only. */
  options?: { value: string; label: Label }[];
};

export type PublicForm = {
  /** The key the page uses: `<tp-lead-form form="callback">`. */
  name: string;
  fields: FormField[];
  /** When present, the widget shows a required consent checkbox with this text. */
  consent: { text: string; version: string } | null;
  /** Submissions faster than this (ms after the form appeared) are stored as spam. */
  min_fill_ms: number;
};

export type BotType = 'telegram' | 'whatsapp' | 'viber' | 'vk' | 'web' | 'sandbox';

/** A messenger bot visitors can subscribe to (the shop's opt-in bots; never `web`). */
export type PublicBot = {
  id: number;
  bot_type: BotType;
  name: string;
  /**
   * Telegram: the bot's username without "@"; WhatsApp: the business number as people write
   * it (`+1 555 010 1234`, shown on the button); other messengers: their handle, or null.
   */
  nickname: string | null;
  /**
   * The bot's link without an opt-in token (e.g. https://t.me/shop_bot), used as the
   * `href` before a click fetches a tokened one, so the link works without JavaScript.
   * Only bots that have one are listed.
   */
  url: string;
  /** The button's name: the messenger's, or the bot's when the shop has two of its messenger. */
  label: string;
  /**
   * The messenger's mark, from the relay (the widget knows no messenger itself): an SVG path
   * on a 24-unit grid, filled by the even-odd rule; null for none.
   */
  mark: string | null;
  /** Shown under the name on the button (WhatsApp: the number a person will write to). */
  handle: string | null;
};

/** Overrides of the widget's built-in texts (keys of `Texts` in widget/core/i18n.ts). */
export type TextOverrides = Partial<Record<Locale, Partial<Record<string, string>>>>;

/**
 * Theme overrides: CSS custom property names without the `--tp-` prefix mapped to values,
 * e.g. `{ "accent": "#0a7", "radius": "4px" }` → `--tp-accent`, `--tp-radius`. Values are
 * applied through a constructed stylesheet (no inline styles), after a strict check.
 */
export type Theme = Record<string, string>;

/** `GET /public/v1/config?key=pk_…` → 200 `{status:'ok', result: PublicConfig}` with an ETag. */
export type PublicConfig = {
  shop: { name: string };
  forms: PublicForm[];
  bots: PublicBot[];
  texts: TextOverrides;
  theme: Theme;
};

/** `POST /public/v1/leads` (JSON). */
export type LeadRequest = {
  key: string;
  form: string;
  /** Text fields as strings; checkbox fields as booleans. */
  fields: Record<string, string | boolean>;
  /** Present when the form has consent and the visitor ticked it: the version they saw. */
  consent?: { version: string };
  page: { url: string; referrer: string; title: string };
  /** utm_* parameters of the page URL, without the `utm_` prefix: {source, medium, …}. */
  utm?: Record<string, string>;
  visitor_id?: string;
  /** The honeypot: always '' from a person. */
  hp: string;
  /** Milliseconds from the form appearing to the submit. */
  elapsed_ms: number;
  /** A UUID, the same for every retry of one submission: the call is idempotent on it. */
  submission_id: string;
};

/** 202 `{status:'ok', result: LeadAccepted}`. */
export type LeadAccepted = { lead_id: number; bot_user_id: number | null };

/** `POST /public/v1/optins` (JSON). */
export type OptinRequest = {
  key: string;
  bot_id?: number;
  lead_id?: number;
  order_ref?: string;
  visitor_id?: string;
};

/** `web_url`: where a desktop browser opens the chat instead (WhatsApp Web). */
export type OptinLink = {
  bot_id: number;
  bot_type: BotType;
  name: string;
  url: string;
  web_url?: string;
};

/** 200/201 `{status:'ok', result: Optin}`; the token is single-use and short-lived. */
export type Optin = { token: string; expires_at: string; links: OptinLink[] };

/**
 * Every error answer: `{status:'error', errors:{common:'…', 'fields.email':['…'], …}}`.
 * A lead's field errors are keyed `fields.<name>`; other keys name top-level inputs.
 */
export type ErrorBody = {
  status: 'error';
  errors: { common?: string } & Record<string, string | string[] | undefined>;
};
