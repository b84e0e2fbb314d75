import type { Outbound } from '../../http/outbound.js';
import { httpProblem, messengerRequest } from '../api.js';

/**
 * The API version every call names. Pinned, so that VK's changes (groups.getById's answer
 * became an object in 5.194) arrive when the relay is ready for them.
 * https://dev.vk.com/en/reference/versions
 */
export const VK_API_VERSION = '5.199';

/** A VK API error: `{"error":{"error_code","error_msg","request_params"}}`. https://dev.vk.com/en/reference/errors */
export type VkReply<T> =
  { ok: true; result: T } | { ok: false; httpStatus: number; code: number; message: string };

/** A community as `groups.getById` describes it. */
export type Community = { id: number; name?: string; screen_name?: string };

/** Answers are small; anything larger is not VK's. */
const MAX_ANSWER_BYTES = 256 * 1024;

/**
 * A VK API client for `VK_API_URL` (api.vk.com/method or the test fake) over the relay's
 * outbound client (an operator-set destination): `POST <url>/<method>` with the parameters,
 * the community token and the pinned `v` form-encoded in the body — the token never in a URL
 * or an error message. Network errors and timeouts throw with their code only; an answer that
 * is not VK's JSON becomes an error with its HTTP status.
 * https://dev.vk.com/en/api/api-requests
 */
export function createVkApi(apiUrl: string, outbound: Outbound) {
  async function call<T>(
    method: string,
    token: string,
    params: Record<string, string | number>,
    signal?: AbortSignal,
  ): Promise<VkReply<T>> {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) form.set(k, String(v));
    form.set('access_token', token);
    form.set('v', VK_API_VERSION);
    const res = await messengerRequest(outbound, `${apiUrl}/${method}`, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      maxBytes: MAX_ANSWER_BYTES,
    });
    const parsed = res.json;
    if (res.status === 200 && parsed && 'response' in parsed)
      return { ok: true, result: parsed.response as T };
    if (parsed?.error && typeof parsed.error.error_code === 'number')
      return {
        ok: false,
        httpStatus: res.status,
        code: parsed.error.error_code,
        message: String(parsed.error.error_msg ?? 'error').slice(0, 300),
      };
    return { ok: false, httpStatus: res.status, code: -1, message: httpProblem(res) };
  }

  return {
    /**
     * The token's own community (`groups.getById` without a group id, called with a
     * community token). https://dev.vk.com/en/method/groups.getById
     */
    async community(token: string, signal?: AbortSignal): Promise<VkReply<Community | null>> {
      const reply = await call<{ groups?: Community[] }>('groups.getById', token, {}, signal);
      return reply.ok ? { ok: true, result: reply.result.groups?.[0] ?? null } : reply;
    },
    /** https://dev.vk.com/en/method/messages.send */
    send: (token: string, params: Record<string, string | number>, signal?: AbortSignal) =>
      call<number>('messages.send', token, params, signal),
    /**
     * Ends a callback button's spinner, with a snackbar when `text` is given.
     * https://dev.vk.com/en/method/messages.sendMessageEventAnswer
     */
    answerEvent: (
      token: string,
      e: { event_id: string; user_id: number; peer_id: number; text?: string },
      signal?: AbortSignal,
    ) =>
      call<number>(
        'messages.sendMessageEventAnswer',
        token,
        {
          event_id: e.event_id,
          user_id: e.user_id,
          peer_id: e.peer_id,
          ...(e.text
            ? { event_data: JSON.stringify({ type: 'show_snackbar', text: e.text }) }
            : {}),
        },
        signal,
      ),
  };
}
export type VkApi = ReturnType<typeof createVkApi>;
