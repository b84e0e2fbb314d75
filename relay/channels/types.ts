import type { Hono } from 'hono';
import type { BotRef } from '../bots/lifecycle.js';
import type { Bot, BotType } from '../bots/schemas.js';
import type { BotCredentials } from '../bots/store.js';
import type { ChannelAdapter } from '../delivery/types.js';

/**
 * A bot as its owner describes it when connecting it (create) or changing its token,
 * settings or credentials (update: `current` is the bot before, and `settings` and
 * `credentials` are already merged over what it had).
 */
export type BotSetupInput = {
  shop_id: number;
  token: string | null;
  settings: Record<string, unknown>;
  credentials: BotCredentials;
  current?: Bot;
};

/** What a messenger's check of a bot stores (and shows once). */
export type BotSetup = {
  /** Readable by the shop's members. */
  settings: Record<string, unknown>;
  /** Write-only, sealed with the operator key like the token. */
  credentials: BotCredentials;
  /** The bot's handle as the messenger knows it (Telegram's username from getMe). */
  nickname: string | null;
  /** A value the relay made up that the owner must copy once (WhatsApp's verify token). */
  shownOnce?: Record<string, string>;
};

/**
 * How the widget shows a messenger and opens its bots (no I/O): its name and mark on the
 * subscribe button, deep links with an opt-in token. The widget knows no messenger itself:
 * a new one needs no widget release.
 */
export type DeepLinks = {
  /** The messenger's name on the button ("Subscribe in WhatsApp"); the bot's name when absent. */
  label?: string;
  /**
   * The messenger's mark: one SVG path on a 24-unit grid, filled with the button's text colour
   * (holes by the even-odd rule).
   */
  mark?: string;
  /** The button also shows the handle (WhatsApp: the number a person will be writing to). */
  showHandle?: boolean;
  /**
   * The link carrying `token` (or the bot's plain address without one); null when the bot
   * cannot have a link (a Telegram bot whose username is unknown).
   */
  link(bot: Bot, publicUrl: string, token?: string): string | null;
  /** The handle a visitor recognises (a username, a phone number), for the widget. */
  handle(bot: Bot): string | null;
  /** The link carrying `token` for a desktop browser, when the messenger has a web app. */
  webLink?(bot: Bot, token: string): string | null;
};

/**
 * One messenger behind the relay: how a bot of it is checked and connected, how its updates
 * arrive (routes verify them before parsing, then feed relay/channels/inbound.ts), and how a
 * delivery goes out (an adapter with its pacing rules and a result the worker understands).
 * The delivery worker, the bots API and the public API know messengers only through this.
 */
export type Messenger = {
  type: BotType;
  /**
   * Checks a bot's token, settings and credentials against the messenger's API when the bot
   * is created or they change; throws a 400 that names the field (`settings.phone_number_id`).
   */
  setup(input: BotSetupInput): Promise<BotSetup>;
  /**
   * Checks a stored bot again (restart): its handle, or why it cannot work (a sentence for
   * the bot's `status_detail`).
   */
  verify?(bot: Bot): Promise<{ ok: true; nickname: string | null } | { ok: false; detail: string }>;
  /** Sends its deliveries (`kind` = the bot type). */
  adapter?: ChannelAdapter;
  /** Connects a bot (created, restarted, token changed): Telegram's webhook or polling. */
  start?(bot: BotRef): Promise<void>;
  /** Disconnects a bot (stopped, about to be deleted). */
  stop?(bot: BotRef): Promise<void>;
  /**
   * Lets another relay connect the bot (several relays: ownership moved): stops what this
   * relay does for it (long polling) and leaves what the messenger holds (the webhook) for
   * the next owner. Without it, `stop`.
   */
  release?(bot: BotRef): Promise<void>;
  /** At relay start and stop: every active bot. */
  startAll?(): Promise<void>;
  stopAll?(): Promise<void>;
  /** Where its updates arrive (`/hooks/<type>/:bot_id`); the answer says where to paste it. */
  webhookUrl?(bot: Bot): string | null;
  routes?(): Hono<any>;
};
