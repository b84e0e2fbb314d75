import http from 'node:http';
import https from 'node:https';
import { assertAllowedHost, safeLookup } from './ssrf.js';

export type PostResult = {
  status: number;
  /** From `Retry-After` (seconds or an HTTP date), when the receiver sent one. */
  retryAfterMs?: number;
  /** The start of the response body, for the attempt's error message. */
  snippet: string;
};

/** Enough of an error body to tell what went wrong; the rest is drained and dropped. */
const SNIPPET_BYTES = 300;

/**
 * HTTP POST for outbound webhooks: keep-alive agents (one connection pool per receiver
 * instead of a TCP and TLS handshake per delivery), the SSRF-safe DNS lookup, no redirects
 * (node:http never follows them, and Standard Webhooks counts 3xx as a failure).
 */
export function createWebhookClient({
  allowPrivate,
  maxSockets = 64,
}: {
  allowPrivate: boolean;
  maxSockets?: number;
}) {
  const lookup = safeLookup(allowPrivate);
  const options = { keepAlive: true, maxSockets, lookup, scheduling: 'lifo' as const };
  const agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };

  return {
    post(
      url: URL,
      body: string,
      headers: Record<string, string>,
      signal: AbortSignal,
    ): Promise<PostResult> {
      assertAllowedHost(url, allowPrivate);
      const agent = agents[url.protocol as keyof typeof agents];
      if (!agent) return Promise.reject(new Error(`Unsupported URL scheme ${url.protocol}`));
      const transport = url.protocol === 'https:' ? https : http;
      return new Promise((resolve, reject) => {
        const req = transport.request(
          url,
          {
            method: 'POST',
            agent,
            signal,
            headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let kept = 0;
            res.on('data', (chunk: Buffer) => {
              if (kept < SNIPPET_BYTES) {
                chunks.push(chunk);
                kept += chunk.length;
              }
            });
            res.on('error', reject);
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                retryAfterMs: parseRetryAfter(res.headers['retry-after']),
                snippet: Buffer.concat(chunks).toString('utf8', 0, SNIPPET_BYTES).trim(),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },

    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
export type WebhookClient = ReturnType<typeof createWebhookClient>;

/** `Retry-After: <seconds>` or `<HTTP-date>` (RFC 9110 §10.2.3) in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, at = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - at);
}
