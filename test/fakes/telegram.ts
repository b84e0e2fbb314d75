import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Telegram Bot API server: real HTTP on loopback, speaking the Bot API's request
 * and answer format (https://core.telegram.org/bots/api#making-requests):
 * `GET|POST /bot<token>/<method>`, parameters in the query string, a JSON body or a
 * urlencoded body, answers `{"ok":true,"result":…}` or
 * `{"ok":false,"error_code":…,"description":…}` with the same HTTP status.
 *
 * Methods live in a table (`methods`): a later suite adds sendMessage, setWebhook and so on
 * with `fake.method(name, handler)` or by passing `methods` to `startTelegramFake`.
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
};

/** A method's answer: a result (`ok:true`) or an error with its HTTP status. */
export type MethodAnswer =
  | { result: unknown }
  | { error_code: number; description: string; parameters?: Record<string, unknown> };

export type MethodHandler = (ctx: MethodContext) => MethodAnswer | Promise<MethodAnswer>;

/** The methods every fake knows. Names are matched case-insensitively, as Telegram does. */
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

export type TelegramFake = Awaited<ReturnType<typeof startTelegramFake>>;

export async function startTelegramFake(options: { methods?: Record<string, MethodHandler> } = {}) {
  const table = new Map<string, MethodHandler>();
  const method = (name: string, handler: MethodHandler) => table.set(name.toLowerCase(), handler);
  for (const [name, handler] of Object.entries({ ...baseMethods, ...options.methods }))
    method(name, handler);

  const bots = new Map<string, FakeBot>();
  const calls: FakeCall[] = [];

  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (error_code: number, description: string, extra = {}) =>
      send(error_code, { ok: false, error_code, description, ...extra });

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
    calls.push({ method: name, token, params, at: Date.now() });

    const handler = table.get(name.toLowerCase());
    if (!handler) return fail(404, 'Not Found');
    const bot = bots.get(token);
    if (!bot) return fail(401, 'Unauthorized');
    const answer = await handler({ bot, params, fake });
    if ('result' in answer) return send(200, { ok: true, result: answer.result });
    const { error_code, description, parameters } = answer;
    return fail(error_code, description, parameters ? { parameters } : {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake = {
    /** The base URL to give the relay as `telegramApiUrl` (TELEGRAM_API_URL). */
    url: `http://127.0.0.1:${port}`,
    /** Every request received, in order (also those refused). */
    calls,
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
    /** The calls of one method (case-insensitive). */
    callsOf: (name: string) => calls.filter((c) => c.method.toLowerCase() === name.toLowerCase()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** A JSON or urlencoded body as parameters (multipart, for file uploads, is not needed yet). */
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
