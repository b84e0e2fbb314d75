import type { Outbound } from '../../http/outbound.js';
import { httpProblem, messengerRequest } from '../api.js';

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
  return {
    async call<T = unknown>(
      token: string,
      method: string,
      params: Record<string, unknown>,
      signal?: AbortSignal,
    ): Promise<TelegramReply<T>> {
      const res = await messengerRequest(outbound, `${apiUrl}/bot${token}/${method}`, {
        body: JSON.stringify(params),
        signal,
        headers: { 'content-type': 'application/json' },
        maxBytes: MAX_ANSWER_BYTES,
      });
      const body = res.json;
      if (body?.ok === true) return { ok: true, result: body.result as T };
      const description =
        typeof body?.description === 'string' ? body.description : httpProblem(res);
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
