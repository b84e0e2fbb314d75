import type { Outbound } from '../../http/outbound.js';
import { httpProblem, messengerRequest } from '../api.js';

/**
 * Viber's answer statuses (the HTTP status is 200 either way): 0 is success.
 * https://developers.viber.com/docs/api/rest-bot-api/#error-codes
 */
export const VIBER_STATUS = {
  ok: 0,
  invalidUrl: 1,
  invalidAuthToken: 2,
  badData: 3,
  missingData: 4,
  receiverNotRegistered: 5,
  receiverNotSubscribed: 6,
  publicAccountBlocked: 7,
  publicAccountNotFound: 8,
  publicAccountSuspended: 9,
  webhookNotSet: 10,
  receiverNoSuitableDevice: 11,
  tooManyRequests: 12,
  apiVersionNotSupported: 13,
  incompatibleWithVersion: 14,
  publicAccountNotAuthorized: 15,
} as const;

export type ViberReply<T> =
  { ok: true; result: T } | { ok: false; httpStatus: number; status: number; message: string };

/** `get_account_info`: the bot as Viber knows it. */
export type AccountInfo = {
  id: string;
  name?: string;
  uri?: string;
  webhook?: string;
  event_types?: string[];
  subscribers_count?: number;
};

/** `send_message`: the message's token (kept as text: it is a 64-bit number). */
export type SentMessage = { message_token: string };

/** Answers are small; anything larger is not Viber's. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Viber's JSON with `message_token` read as text. The tokens are 64-bit integers written as
 * JSON numbers (`4912661846655238145`); as JavaScript numbers they lose their last digits, so
 * two messages could share one and a receipt find the wrong delivery.
 */
export function parseViberJson(text: string): unknown {
  return JSON.parse(text.replace(/("message_token"\s*:\s*)(-?\d+)/g, '$1"$2"'));
}

/**
 * A REST Bot API client for `VIBER_API_URL` (chatapi.viber.com or the test fake) over the
 * relay's outbound client (an operator-set destination): `POST /pa/<method>` with the auth
 * token in `X-Viber-Auth-Token`, never in a URL or an error message. Network errors and
 * timeouts throw with their code only; an answer that is not Viber's JSON (a proxy's error
 * page) becomes an error with its HTTP status.
 * https://developers.viber.com/docs/api/rest-bot-api/
 */
export function createViberApi(apiUrl: string, outbound: Outbound) {
  async function call<T>(
    method: string,
    token: string,
    body: object,
    signal?: AbortSignal,
  ): Promise<ViberReply<T>> {
    const res = await messengerRequest(
      outbound,
      `${apiUrl}/pa/${method}`,
      {
        method: 'POST',
        signal,
        headers: { 'x-viber-auth-token': token, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        maxBytes: MAX_ANSWER_BYTES,
      },
      parseViberJson,
    );
    const parsed = res.json;
    if (res.status === 200 && parsed && parsed.status === VIBER_STATUS.ok)
      return { ok: true, result: parsed as T };
    if (parsed && typeof parsed.status === 'number')
      return {
        ok: false,
        httpStatus: res.status,
        status: parsed.status,
        message: String(parsed.status_message ?? 'error').slice(0, 300),
      };
    return { ok: false, httpStatus: res.status, status: -1, message: httpProblem(res) };
  }

  return {
    /** https://developers.viber.com/docs/api/rest-bot-api/#get-account-info */
    accountInfo: (token: string, signal?: AbortSignal) =>
      call<AccountInfo>('get_account_info', token, {}, signal),
    /**
     * Registers the webhook; Viber first posts a `webhook` event to it and registers it only
     * when that is answered 200. An empty `url` removes it.
     * https://developers.viber.com/docs/api/rest-bot-api/#setting-a-webhook
     */
    setWebhook: (
      token: string,
      body: { url: string; event_types?: string[]; send_name?: boolean; send_photo?: boolean },
      signal?: AbortSignal,
    ) => call<{ event_types?: string[] }>('set_webhook', token, body, signal),
    /** https://developers.viber.com/docs/api/rest-bot-api/#send-message */
    send: (token: string, message: object, signal?: AbortSignal) =>
      call<SentMessage>('send_message', token, message, signal),
  };
}
export type ViberApi = ReturnType<typeof createViberApi>;
