import { Webhook } from 'standardwebhooks';
import type { Deps } from '../../deps.js';
import { BlockedAddressError, parseRetryAfter } from '../../http/outbound.js';
import type { ChannelAdapter, Delivery, SendResult } from '../types.js';

/** A receiver asking for more than a day is asking for something else: retry after a day. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;
const USER_AGENT = 'Touchpoint-Webhooks/1';
/** A receiver's answer is read this far (keeping the connection for the next delivery). */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Enough of an error answer to tell what went wrong. */
const SNIPPET_CHARS = 300;

/**
 * Sends `webhook` deliveries: to a shop's webhook endpoint (endpoint_id; signed per Standard
 * Webhooks with the endpoint's secrets, read at send time so a rotation applies at once) or
 * to a webhook alert channel (channel_id; the URL in the payload, unsigned: alert channels
 * have no secret).
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export function createWebhookAdapter({ stores, outbound }: Pick<Deps, 'stores' | 'outbound'>) {
  const signers = new Map<string, Webhook>();
  const signer = (secret: string) => {
    let s = signers.get(secret);
    if (!s) {
      if (signers.size > 1000) signers.clear();
      s = new Webhook(secret);
      signers.set(secret, s);
    }
    return s;
  };

  /**
   * `webhook-id` is the delivery's id: the same on every retry of it, so receivers can use it
   * as an idempotency key; `webhook-timestamp` is the attempt's time (it is signed, which
   * stops replays), not the event's (that is the body's `timestamp`).
   */
  const standardHeaders = (d: Delivery, at: Date) => ({
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': `msg_${d.id}`,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  });

  async function toEndpoint(d: Delivery, endpointId: number, signal: AbortSignal) {
    const ep = await stores.webhooks.forSend(endpointId);
    if (!ep) return permanent('The webhook endpoint was deleted.');
    if (!ep.enabled) return permanent('The webhook endpoint is disabled.');
    const body = JSON.stringify(d.payload);
    const at = new Date();
    const headers = standardHeaders(d, at);
    // Space-separated `v1,<sig>` per secret: both while a rotation's overlap lasts.
    const signature = ep.secrets
      .map((s) => signer(s).sign(headers['webhook-id'], at, body))
      .join(' ');
    const result = await post(ep.url, body, { ...headers, 'webhook-signature': signature }, signal);
    if (result.ok) {
      if (ep.failing_since) await stores.webhooks.recordSuccess(ep.id);
    } else if (result.gone) {
      // 410: the receiver wants no more webhooks (Standard Webhooks: disable the endpoint).
      await stores.webhooks.disable(ep.id, 'The receiver answered 410 Gone.');
    } else {
      await stores.webhooks.recordFailure(ep.id);
    }
    return result.send;
  }

  async function toChannel(d: Delivery, channelId: number, signal: AbortSignal) {
    const channel = await stores.channels.get(channelId);
    if (!channel) return permanent('The alert channel was deleted.');
    if (!channel.enabled) return permanent('The alert channel is disabled.');
    const url = typeof d.payload.url === 'string' ? d.payload.url : channel.url;
    if (!url) return permanent('The alert channel has no URL.');
    const body = JSON.stringify(d.payload.body ?? {});
    return (await post(url, body, standardHeaders(d, new Date()), signal)).send;
  }

  async function post(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; gone?: boolean; send: SendResult }> {
    let res: PostResult;
    try {
      const answer = await outbound.toShopUrl(url, {
        body,
        headers,
        signal,
        maxBytes: MAX_ANSWER_BYTES,
      });
      res = {
        status: answer.status,
        retryAfterMs: parseRetryAfter(header(answer.headers['retry-after'])),
        snippet: answer.body.toString('utf8', 0, SNIPPET_CHARS).trim(),
      };
    } catch (err) {
      if (err instanceof BlockedAddressError)
        return { ok: false, send: permanent(`Refused: ${err.message}`) };
      const timedOut = signal.aborted || (err as Error).name === 'AbortError';
      const message = timedOut ? 'The receiver did not answer in time.' : errorText(err);
      return { ok: false, send: { ok: false, retry: true, error: message } };
    }
    return classify(res);
  }

  const adapter: ChannelAdapter = {
    kind: 'webhook',
    /**
     * One key per receiver with no spacing: webhooks are not rate limited up front, but a
     * 429/503 with Retry-After blocks the key, holding back that receiver's other deliveries.
     */
    pace: (d) => [
      {
        key: d.endpoint_id
          ? `webhook:endpoint:${d.endpoint_id}`
          : `webhook:channel:${d.channel_id}`,
        intervalMs: 0,
      },
    ],
    async send(d, signal) {
      if (d.endpoint_id != null) return toEndpoint(d, d.endpoint_id, signal);
      if (d.channel_id != null) return toChannel(d, d.channel_id, signal);
      return permanent('Its webhook endpoint or alert channel was deleted.');
    },
  };
  return adapter;
}

const permanent = (error: string): SendResult => ({ ok: false, retry: false, error });

type PostResult = { status: number; retryAfterMs?: number; snippet: string };

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

const errorText = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
};

/**
 * Standard Webhooks' status handling: 2xx is success; 408, 429 and 5xx are worth retrying
 * (honouring Retry-After); 3xx (redirects are not followed) and other 4xx are permanent.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#delivery-success-and-failure
 */
function classify(res: PostResult): { ok: boolean; gone?: boolean; send: SendResult } {
  const { status } = res;
  if (status >= 200 && status < 300) return { ok: true, send: { ok: true } };
  const error = `HTTP ${status}${res.snippet ? `: ${res.snippet}` : ''}`;
  if (status === 408 || status === 429 || status >= 500) {
    const send: SendResult = { ok: false, retry: true, error };
    if (res.retryAfterMs !== undefined && (status === 429 || status === 503))
      send.retryAfterMs = Math.min(res.retryAfterMs, MAX_RETRY_AFTER_MS);
    return { ok: false, send };
  }
  if (status >= 300 && status < 400)
    return { ok: false, send: permanent(`${error} (redirects are not followed: update the URL)`) };
  return { ok: false, gone: status === 410, send: permanent(error) };
}
