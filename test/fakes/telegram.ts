import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseHtml } from './telegram-html.js';
import { createLimiter, TELEGRAM_LIMITS, type Limits } from './telegram-limits.js';
import { seededRandom } from './random.js';

/**
 * A fake Telegram Bot API server: real HTTP on loopback, speaking the Bot API's request
 * and answer format (https://core.telegram.org/bots/api#making-requests):
 * `GET|POST /bot<token>/<method>`, parameters in the query string, a JSON body or a
 * urlencoded body, answers `{"ok":true,"result":…}` or
 * `{"ok":false,"error_code":…,"description":…,"parameters":…}` with the same HTTP status.
 *
 * It knows getMe, setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling),
 * sendMessage, sendPhoto, sendDocument and answerCallbackQuery; enforces Telegram's flood
 * limits with real 429 answers; can be told to fail (5xx, hung requests, 429s, a blocked
 * chat, a migrated group); records every accepted message with its time; and delivers
 * updates to a registered webhook with the secret header, as Telegram does.
 * Methods live in a table: `fake.method(name, handler)` or `methods` replace or add one.
 */

export type FakeBot = { id: number; token: string; username: string; first_name: string };

export type FakeCall = {
  method: string;
  token: string;
  params: Record<string, unknown>;
  at: number;
};

export type MethodContext = {
  bot: FakeBot;
  params: Record<string, unknown>;
  fake: TelegramFake;
  /** When the request arrived. */
  at?: number;
};

/** A method's answer: a result (`ok:true`) or an error with its HTTP status. */
export type MethodAnswer =
  | { result: unknown }
  | { error_code: number; description: string; parameters?: Record<string, unknown> };

export type MethodHandler = (ctx: MethodContext) => MethodAnswer | Promise<MethodAnswer>;

/** A message the fake accepted, as the recipient would see it. */
export type FakeMessage = {
  token: string;
  method: string;
  chat_id: string;
  message_id: number;
  /** The visible text (entities decoded, tags dropped): text or caption. */
  plain: string;
  /** The text or caption as sent (Telegram HTML when parse_mode is HTML). */
  raw: string;
  parse_mode?: string;
  photo?: string;
  document?: string;
  reply_markup?: any;
  at: number;
};

/** Every request to a sending method, and what became of it. */
export type FakeAttempt = {
  token: string;
  method: string;
  chat_id: string;
  at: number;
  outcome: 'accepted' | 'hang' | '500' | '429' | '403' | '400';
  /** For a 429: the retry_after told, and whether the limit or an injected fault caused it. */
  retry_after?: number;
  cause?: 'bot' | 'chat' | 'injected' | 'early';
};

/** Random faults, each a probability per send request. */
export type Faults = {
  error500?: number;
  /** The request is never answered (and nothing is sent): the client times out. */
  hang?: number;
  tooMany?: number;
  /** retry_after of injected 429s, in seconds (default 1). */
  retryAfterS?: number;
  /** Every accepted send is answered this much later. */
  delayMs?: number;
};

const SENDING = new Set(['sendmessage', 'sendphoto', 'senddocument']);

/** The methods every fake knows that need no state: getMe. */
export const baseMethods: Record<string, MethodHandler> = {
  getMe: ({ bot }) => ({
    result: {
      id: bot.id,
      is_bot: true,
      first_name: bot.first_name,
      username: bot.username,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    },
  }),
};

type BotState = {
  webhook: { url: string; secret_token: string | null } | null;
  queue: { update_id: number }[];
  nextUpdateId: number;
  poll: { wake: (a: MethodAnswer | null) => void } | null;
};

export type TelegramFake = Awaited<ReturnType<typeof startTelegramFake>>;

export async function startTelegramFake(
  options: {
    methods?: Record<string, MethodHandler>;
    /** Telegram's limits by default; `null` turns flood control off. */
    limits?: Limits | null;
  } = {},
) {
  const table = new Map<string, MethodHandler>();
  const method = (name: string, handler: MethodHandler) => table.set(name.toLowerCase(), handler);

  const bots = new Map<string, FakeBot>();
  const state = new Map<string, BotState>();
  const calls: FakeCall[] = [];
  const messages: FakeMessage[] = [];
  const attempts: FakeAttempt[] = [];
  const hung = new Set<ServerResponse>();
  const limiter = createLimiter(options.limits === undefined ? TELEGRAM_LIMITS : options.limits);
  const retryUntil = new Map<string, number>();
  const blocked = new Map<string, string>();
  const migrated = new Map<string, number>();
  let faults: Faults = {};
  // Faults drawn by probability, the same ones in every run (a new stream per setFaults).
  let random = seededRandom();
  let failNext = 0;
  let failStatus = 500;
  let tooManyNext = 0;
  let tooManyNextS = 1;
  let nextMessageId = 1;

  const stateOf = (token: string): BotState => {
    let s = state.get(token);
    if (!s) state.set(token, (s = { webhook: null, queue: [], nextUpdateId: 1, poll: null }));
    return s;
  };

  const send =
    (kind: 'text' | 'photo' | 'document'): MethodHandler =>
    ({ bot, params, at }) => {
      const chat_id = String(params.chat_id ?? '');
      if (!chat_id) return { error_code: 400, description: 'Bad Request: chat_id is empty' };
      const raw = String((kind === 'text' ? params.text : params.caption) ?? '');
      if (kind === 'text' && !raw.trim())
        return { error_code: 400, description: 'Bad Request: message text is empty' };
      if (kind !== 'text' && !params[kind])
        return { error_code: 400, description: `Bad Request: there is no ${kind} in the request` };
      let plain = raw;
      if (params.parse_mode === 'HTML') {
        const parsed = parseHtml(raw);
        if (!parsed.ok) return { error_code: 400, description: parsed.error };
        plain = parsed.plain;
      }
      const limit = kind === 'text' ? 4096 : 1024;
      if (plain.length > limit)
        return {
          error_code: 400,
          description: `Bad Request: message ${kind === 'text' ? 'is' : 'caption is'} too long`,
        };
      const message_id = nextMessageId++;
      const reply_markup =
        typeof params.reply_markup === 'string'
          ? JSON.parse(params.reply_markup)
          : params.reply_markup;
      messages.push({
        token: bot.token,
        method: kind === 'text' ? 'sendMessage' : kind === 'photo' ? 'sendPhoto' : 'sendDocument',
        chat_id,
        message_id,
        plain,
        raw,
        parse_mode: params.parse_mode as string | undefined,
        ...(kind === 'photo' ? { photo: String(params.photo) } : {}),
        ...(kind === 'document' ? { document: String(params.document) } : {}),
        ...(reply_markup ? { reply_markup } : {}),
        at: at ?? Date.now(),
      });
      return {
        result: {
          message_id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(chat_id) || chat_id },
          text: plain,
        },
      };
    };

  const builtIn: Record<string, MethodHandler> = {
    ...baseMethods,
    sendMessage: send('text'),
    sendPhoto: send('photo'),
    sendDocument: send('document'),
    answerCallbackQuery: () => ({ result: true }),
    setWebhook: ({ bot, params }) => {
      const s = stateOf(bot.token);
      const url = String(params.url ?? '');
      s.webhook = url ? { url, secret_token: (params.secret_token as string) ?? null } : null;
      s.poll?.wake(null);
      return { result: true };
    },
    deleteWebhook: ({ bot }) => {
      stateOf(bot.token).webhook = null;
      return { result: true };
    },
    getWebhookInfo: ({ bot }) => ({
      result: {
        url: stateOf(bot.token).webhook?.url ?? '',
        pending_update_count: stateOf(bot.token).queue.length,
      },
    }),
    // https://core.telegram.org/bots/api#getupdates
    getUpdates: async ({ bot, params }) => {
      const s = stateOf(bot.token);
      if (s.webhook)
        return {
          error_code: 409,
          description:
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        };
      const offset = Number(params.offset ?? 0);
      const limit = Math.min(100, Number(params.limit ?? 100));
      const timeoutS = Number(params.timeout ?? 0);
      const pending = () => {
        if (offset) s.queue = s.queue.filter((u) => u.update_id >= offset);
        return s.queue.slice(0, limit);
      };
      if (pending().length || timeoutS <= 0) return { result: pending() };
      // A second poller ends the first one's request, as Telegram does.
      s.poll?.wake({
        error_code: 409,
        description:
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      });
      const answer = await new Promise<MethodAnswer | null>((resolve) => {
        const timer = setTimeout(() => wake(null), timeoutS * 1000);
        const wake = (a: MethodAnswer | null) => {
          clearTimeout(timer);
          if (s.poll === poll) s.poll = null;
          resolve(a);
        };
        const poll = { wake };
        s.poll = poll;
      });
      return answer ?? { result: pending() };
    },
  };
  for (const [name, handler] of Object.entries({ ...builtIn, ...options.methods }))
    method(name, handler);

  /** Faults, blocked and migrated chats, retry_after and flood limits, before a send. */
  function refuse(
    token: string,
    name: string,
    params: Record<string, unknown>,
    t: number,
  ): MethodAnswer | 'hang' | null {
    const chat_id = String(params.chat_id ?? '');
    const attempt: FakeAttempt = { token, method: name, chat_id, at: t, outcome: 'accepted' };
    attempts.push(attempt);
    const tooMany = (waitMs: number, cause: FakeAttempt['cause']): MethodAnswer => {
      const retry_after = Math.max(1, Math.ceil(waitMs / 1000));
      Object.assign(attempt, { outcome: '429', retry_after, cause });
      retryUntil.set(`${token}|${chat_id}`, Date.now() + retry_after * 1000);
      return {
        error_code: 429,
        description: `Too Many Requests: retry after ${retry_after}`,
        parameters: { retry_after },
      };
    };
    if (faults.hang && random() < faults.hang) {
      attempt.outcome = 'hang';
      return 'hang';
    }
    if (failNext > 0 || (faults.error500 && random() < faults.error500)) {
      if (failNext > 0) failNext -= 1;
      attempt.outcome = '500';
      return { error_code: failStatus, description: 'Internal Server Error' };
    }
    const until = retryUntil.get(`${token}|${chat_id}`) ?? 0;
    if (until > t) return tooMany(until - t, 'early');
    if (tooManyNext > 0) {
      tooManyNext -= 1;
      return tooMany(tooManyNextS * 1000, 'injected');
    }
    if (faults.tooMany && random() < faults.tooMany)
      return tooMany((faults.retryAfterS ?? 1) * 1000, 'injected');
    const gone = blocked.get(chat_id);
    if (gone) {
      attempt.outcome = '403';
      return { error_code: 403, description: gone };
    }
    const to = migrated.get(chat_id);
    if (to !== undefined) {
      attempt.outcome = '400';
      return {
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: to },
      };
    }
    const { waitMs, scope } = limiter.check(token, chat_id, t);
    if (waitMs > 0) return tooMany(waitMs, scope!);
    return null;
  }

  const server = createServer(async (req, res) => {
    // Limits count requests by when they arrived, before the body was read.
    const arrived = Date.now();
    const reply = (status: number, body: unknown) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (error_code: number, description: string, extra = {}) =>
      reply(error_code, { ok: false, error_code, description, ...extra });

    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return fail(404, 'Not Found');
    const [, token, name] = match;
    let params: Record<string, unknown>;
    try {
      params = { ...Object.fromEntries(url.searchParams), ...(await readParams(req)) };
    } catch {
      return fail(400, "Bad Request: can't parse JSON object");
    }
    calls.push({ method: name, token, params, at: arrived });

    const handler = table.get(name.toLowerCase());
    if (!handler) return fail(404, 'Not Found');
    const bot = bots.get(token);
    if (!bot) return fail(401, 'Unauthorized');
    const sending = SENDING.has(name.toLowerCase());
    if (sending) {
      const refused = refuse(token, name, params, arrived);
      if (refused === 'hang') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      if (refused) {
        const { error_code, description, parameters } = refused as Extract<
          MethodAnswer,
          { error_code: number }
        >;
        return fail(error_code, description, parameters ? { parameters } : {});
      }
    }
    const answer = await handler({ bot, params, fake, at: arrived });
    if ('result' in answer) {
      if (sending) {
        limiter.accept(token, String(params.chat_id ?? ''), arrived);
        if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
      }
      return reply(200, { ok: true, result: answer.result });
    }
    if (sending) {
      const a = attempts.at(-1)!;
      a.outcome = String(answer.error_code) as FakeAttempt['outcome'];
    }
    const { error_code, description, parameters } = answer;
    return fail(error_code, description, parameters ? { parameters } : {});
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake = {
    /** The base URL to give the relay as `telegramApiUrl` (TELEGRAM_API_URL). */
    url: `http://127.0.0.1:${port}`,
    /** Every request received, in order (also those refused). */
    calls,
    /** Every message accepted, in order. */
    messages,
    /** Every request to a sending method, with its outcome. */
    attempts,
    bots,
    /** Registers a bot: its token then works and getMe answers with this username. */
    addBot(token: string, username: string): FakeBot {
      const bot = {
        id: Number(token.split(':')[0]) || bots.size + 1,
        token,
        username,
        first_name: username,
      };
      bots.set(token, bot);
      return bot;
    },
    removeBot(token: string) {
      bots.delete(token);
    },
    /** Adds or replaces a method. */
    method,
    /** Puts a built-in method back after a test replaced it. */
    resetMethod(name: string) {
      const key = Object.keys(builtIn).find((k) => k.toLowerCase() === name.toLowerCase());
      if (key) method(key, builtIn[key]);
    },
    /** The calls of one method (case-insensitive). */
    callsOf: (name: string) => calls.filter((c) => c.method.toLowerCase() === name.toLowerCase()),
    /** Accepted messages to one chat. */
    messagesTo: (chatId: string | number) => messages.filter((m) => m.chat_id === String(chatId)),

    /** Random faults for every later send (replaces the previous set; `{}` ends them). */
    setFaults(f: Faults) {
      faults = f;
      random = seededRandom();
    },
    /** The next `n` sends answer `status` (500 by default). */
    failNext(n: number, status = 500) {
      failNext = n;
      failStatus = status;
    },
    /** The next `n` sends answer 429 with `retry_after` = `seconds`. */
    tooManyNext(n: number, seconds: number) {
      tooManyNext = n;
      tooManyNextS = seconds;
    },
    /** Sends to this chat answer 403, as for a person who blocked the bot. */
    block(chatId: string | number, description = 'Forbidden: bot was blocked by the user') {
      blocked.set(String(chatId), description);
    },
    /** Sends to this group answer 400 with `migrate_to_chat_id`. */
    migrate(chatId: string | number, to: number) {
      migrated.set(String(chatId), to);
    },
    /** The webhook registered for a bot, with its secret_token. */
    webhookOf: (token: string) => stateOf(token).webhook,

    /**
     * Hands an update to the bot as Telegram would: POSTed to its webhook with the
     * `X-Telegram-Bot-Api-Secret-Token` header when one is set (resolving with the relay's
     * answer), otherwise queued for getUpdates.
     */
    async deliverUpdate(
      token: string,
      update: Record<string, unknown>,
      { secret }: { secret?: string } = {},
    ): Promise<{ update_id: number; status: number | null; body: unknown }> {
      const s = stateOf(token);
      const full = { update_id: s.nextUpdateId++, ...update };
      if (!s.webhook) {
        s.queue.push(full);
        s.poll?.wake(null);
        return { update_id: full.update_id, status: null, body: null };
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const secretToken = secret ?? s.webhook.secret_token;
      if (secretToken) headers['X-Telegram-Bot-Api-Secret-Token'] = secretToken;
      const res = await fetch(s.webhook.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(full),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the text */
      }
      return { update_id: full.update_id, status: res.status, body };
    },
    /** Updates not yet confirmed by a getUpdates offset. */
    pendingUpdates: (token: string) => stateOf(token).queue.length,

    close: () =>
      new Promise<void>((resolve) => {
        for (const s of state.values()) s.poll?.wake(null);
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** A JSON or urlencoded body as parameters (multipart, for file uploads, is not needed). */
async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  if (type.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  return {};
}
