import type { Outbound } from '../../http/outbound.js';

/**
 * The Graph API version every call names. Pinned, so that Meta's yearly changes arrive when
 * the relay is ready for them, not when Meta retires a default.
 * https://developers.facebook.com/docs/graph-api/guides/versioning
 */
export const GRAPH_API_VERSION = 'v23.0';

/**
 * A Graph API error: `{"error":{"message","type","code","error_subcode"?,"error_data"?:{details},
 * "fbtrace_id"}}`. https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 */
export type GraphError = {
  message: string;
  type?: string;
  code: number;
  error_subcode?: number;
  error_data?: { messaging_product?: string; details?: string };
  fbtrace_id?: string;
};

export type GraphReply<T> =
  { ok: true; status: number; result: T } | { ok: false; status: number; error: GraphError };

/** The answer to a send: the message's id (`wamid.…`), per recipient. */
export type SentMessage = {
  messaging_product: 'whatsapp';
  contacts?: { input: string; wa_id: string }[];
  messages: { id: string; message_status?: string }[];
};

/** `GET /<phone number id>`: the business number as WhatsApp shows it. */
export type PhoneNumber = {
  id: string;
  display_phone_number?: string;
  verified_name?: string;
};

/** Answers are small; anything larger is not the Graph API's. */
const MAX_ANSWER_BYTES = 256 * 1024;

/**
 * A Cloud API client for `WHATSAPP_API_URL` (graph.facebook.com or the test fake) over the
 * relay's outbound client (an operator-set destination). The access token travels in the
 * Authorization header, never in a URL or an error message. Network errors and timeouts
 * throw with their code only; an answer that is not the Graph API's JSON (a proxy's error
 * page) becomes an error with its HTTP status.
 */
export function createGraphApi(apiUrl: string, outbound: Outbound) {
  const base = `${apiUrl}/${GRAPH_API_VERSION}`;

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    token: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<GraphReply<T>> {
    let res;
    try {
      res = await outbound.toOperator(`${base}/${path}`, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        maxBytes: MAX_ANSWER_BYTES,
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`${e.code ?? e.name}`);
    }
    const text = res.body.toString('utf8');
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.status >= 200 && res.status < 300 && parsed && !parsed.error)
      return { ok: true, status: res.status, result: parsed as T };
    const error: GraphError =
      parsed?.error && typeof parsed.error.code === 'number'
        ? parsed.error
        : {
            code: res.status,
            message: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
          };
    return { ok: false, status: res.status, error };
  }

  return {
    /** `POST /<phone number id>/messages` https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages */
    send: (phoneNumberId: string, token: string, message: object, signal?: AbortSignal) =>
      call<SentMessage>(
        'POST',
        `${phoneNumberId}/messages`,
        token,
        { messaging_product: 'whatsapp', recipient_type: 'individual', ...message },
        signal,
      ),

    /** `GET /<phone number id>`: checks the token and the number id together. */
    phoneNumber: (phoneNumberId: string, token: string, signal?: AbortSignal) =>
      call<PhoneNumber>(
        'GET',
        `${phoneNumberId}?fields=display_phone_number,verified_name`,
        token,
        undefined,
        signal,
      ),
  };
}
export type GraphApi = ReturnType<typeof createGraphApi>;
