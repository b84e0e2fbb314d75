import type { Outbound } from '../../http/outbound.js';

/**
 * The Bot API answer: `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…,
 * "parameters":{retry_after?, migrate_to_chat_id?}}`.
 * https://core.telegram.org/bots/api#making-requests
 */
export type TelegramReply<T = unknown> =
  | { ok: true; result: T }
  | {
      ok: false;
      /** The HTTP status (Telegram repeats it as `error_code`). */
      status: number;
      error_code: number;
      description: string;
      parameters?: { retry_after?: number; migrate_to_chat_id?: number };
    };

export type TelegramApi = ReturnType<typeof createTelegramApi>;

/** Answers are small (a message, a list of at most 100 updates); anything larger is cut. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * A Bot API client for `TELEGRAM_API_URL` (api.telegram.org, a local Bot API server or the
 * test fake), over the relay's outbound client (relay/http/outbound.ts: an operator-set
 * destination, one keep-alive pool; node:http rather than fetch: less work per request,
 * which keeps paced sends evenly spaced on a busy event loop). Every method is
 * `POST <api>/bot<token>/<method>` with a JSON body. Network errors and timeouts throw (the
 * caller decides whether to retry); an answer that is not the Bot API's JSON (a proxy's
 * error page) becomes `ok:false` with its HTTP status.
 *
 * The token is a secret: it appears in the request path only, never in an error message.
 */
export function createTelegramApi(apiUrl: string, outbound: Outbound) {
  const post = async (url: string, body: string, signal?: AbortSignal) => {
    try {
      const res = await outbound.toOperator(url, {
        body,
        signal,
        headers: { 'content-type': 'application/json' },
        maxBytes: MAX_ANSWER_BYTES,
      });
      return { status: res.status, text: res.body.toString('utf8') };
    } catch (err) {
      // The error's code only: Node's messages may carry the URL, and the URL the token.
      const e = err as NodeJS.ErrnoException;
      throw new Error(`${e.code ?? e.name}`);
    }
  };

  return {
    async call<T = unknown>(
      token: string,
      method: string,
      params: Record<string, unknown>,
      signal?: AbortSignal,
    ): Promise<TelegramReply<T>> {
      const res = await post(`${apiUrl}/bot${token}/${method}`, JSON.stringify(params), signal);
      let body: any;
      try {
        body = JSON.parse(res.text);
      } catch {
        body = undefined;
      }
      if (body?.ok === true) return { ok: true, result: body.result as T };
      const description =
        typeof body?.description === 'string'
          ? body.description
          : `HTTP ${res.status}${res.text ? `: ${res.text.slice(0, 200)}` : ''}`;
      return {
        ok: false,
        status: res.status,
        error_code: typeof body?.error_code === 'number' ? body.error_code : res.status,
        description,
        ...(body?.parameters && typeof body.parameters === 'object'
          ? { parameters: body.parameters }
          : {}),
      };
    },
  };
}
