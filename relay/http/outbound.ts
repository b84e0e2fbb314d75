import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { isBlockedAddress } from './blocklist.js';

export { isBlockedAddress } from './blocklist.js';

/**
 * The one way the relay makes HTTP requests (a source scan in test/relay/http keeps it so):
 * webhooks, captcha verification, Telegram and every later messenger API.
 *
 * - A shop-supplied URL (a webhook endpoint, an alert channel, a captcha `verify_url`) is
 *   checked against the blocklist where it matters: at connect time, on every address the
 *   name resolves to then (a name that resolved to a public address when it was saved and
 *   resolves to 127.0.0.1 now — DNS rebinding — is refused), and as a literal address.
 *   TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE=1 lifts the check (tests, LAN setups).
 * - A destination the operator configured (TELEGRAM_API_URL …) is trusted by its origin, so
 *   a local Bot API server or a test fake on loopback works; a URL outside those origins is
 *   refused as an operator request.
 *
 * Keep-alive pools per kind (a shop's request never reuses an operator connection to the
 * same host and port), no redirects (node:http never follows them), a deadline per request
 * and a cap on how much of an answer is read.
 */
export function createOutbound(
  config: Pick<Config, 'telegramApiUrl' | 'whatsappApiUrl' | 'webhookAllowPrivate'>,
  { lookup = dnsLookup as Lookup, maxSockets = 64 }: OutboundOptions = {},
) {
  const allowPrivate = config.webhookAllowPrivate;
  const operatorOrigins = new Set(operatorUrls(config).map((u) => new URL(u).origin));
  const agentsFor = (lookupFn: Lookup) => {
    const options = { keepAlive: true, maxSockets, lookup: lookupFn, scheduling: 'lifo' as const };
    return { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };
  };
  const agents = {
    operator: agentsFor(lookup),
    shop: agentsFor(allowPrivate ? lookup : checkedLookup(lookup)),
  };

  function send(kind: keyof typeof agents, url: URL, req: OutboundRequest) {
    const agent = agents[kind][url.protocol as 'http:' | 'https:'];
    if (!agent) return Promise.reject(new Error(`Unsupported URL scheme ${url.protocol}`));
    const transport = url.protocol === 'https:' ? https : http;
    const signal = req.signal ?? AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    return new Promise<OutboundResponse>((resolve, reject) => {
      const out = transport.request(
        url,
        { method: req.method ?? 'POST', agent, signal, headers },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const done = (truncated: boolean) =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
              truncated,
            });
          res.on('data', (chunk: Buffer) => {
            if (size + chunk.length > maxBytes) {
              chunks.push(chunk.subarray(0, maxBytes - size));
              // The rest is not read: this connection cannot be reused.
              res.destroy();
              done(true);
            } else {
              size += chunk.length;
              chunks.push(chunk);
            }
          });
          res.on('error', reject);
          res.on('end', () => done(false));
        },
      );
      out.on('error', reject);
      out.end(req.body);
    });
  }

  return {
    /**
     * A request to a URL a shop gave (webhook, alert channel, captcha verify_url). Rejects
     * with BlockedAddressError for a blocked literal or resolved address.
     */
    toShopUrl(raw: string | URL, req: OutboundRequest = {}): Promise<OutboundResponse> {
      const url = new URL(raw);
      const host = hostOf(url);
      if (!allowPrivate && isIP(host) && isBlockedAddress(host))
        return Promise.reject(refusal(host, host));
      return send('shop', url, req);
    },

    /** A request to a destination the operator configured (TELEGRAM_API_URL, WHATSAPP_API_URL …). */
    toOperator(raw: string | URL, req: OutboundRequest = {}): Promise<OutboundResponse> {
      const url = new URL(raw);
      if (!operatorOrigins.has(url.origin))
        return Promise.reject(new Error(`${url.origin} is not a destination the operator set.`));
      return send('operator', url, req);
    },

    /**
     * Checks a shop's URL when it is saved: http(s) only, and no host that is, or resolves
     * to, a blocked address. Returns the reason for refusing it, or null. Sending checks
     * again, at connect time.
     */
    async urlProblem(raw: string): Promise<string | null> {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return 'Enter a valid URL.';
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Use an http or https URL.';
      if (allowPrivate) return null;
      const host = hostOf(url);
      if (isIP(host)) return isBlockedAddress(host) ? refusal(host, host).message : null;
      const addresses = await new Promise<LookupAddress[] | null>((resolve) =>
        lookup(host, { all: true, verbatim: true }, (err, found) =>
          resolve(err ? null : (found as LookupAddress[])),
        ),
      );
      if (!addresses?.length) return `${host} could not be resolved.`;
      const bad = addresses.find((a) => isBlockedAddress(a.address));
      return bad ? refusal(host, bad.address).message : null;
    },

    close() {
      for (const set of Object.values(agents)) for (const a of Object.values(set)) a.destroy();
    },
  };
}
export type Outbound = ReturnType<typeof createOutbound>;

/** The API base URLs the operator configured; a new messenger adds its own here. */
const operatorUrls = (config: Pick<Config, 'telegramApiUrl' | 'whatsappApiUrl'>) => [
  config.telegramApiUrl,
  config.whatsappApiUrl,
];

export type OutboundOptions = {
  /** The resolver (dns.lookup by default). Tests pass one that answers as they need. */
  lookup?: Lookup;
  /** Connections per host and port in each pool. */
  maxSockets?: number;
};

export type OutboundRequest = {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The caller's deadline; without one the request gets `timeoutMs`. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Bytes of the answer kept; the connection is dropped past them (`truncated`). */
  maxBytes?: number;
};

export type OutboundResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The answer was longer than `maxBytes` and was cut there. */
  truncated: boolean;
};

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

export type Lookup = (
  hostname: string,
  options: LookupOptions,
  callback: (
    err: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
) => void;

/** The relay refused to connect to an address in the blocklist. */
export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
}

const refusal = (host: string, address: string) =>
  new BlockedAddressError(
    address === host
      ? `${host} is a private, loopback or reserved address.`
      : `${host} resolves to ${address}, a private, loopback or reserved address.`,
  );

/** The URL's host as an address or name, without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * A `lookup` for http(s).Agent that resolves every address of the name and refuses the
 * connection when any of them is blocked, so the address connected to is one that was checked.
 */
function checkedLookup(lookup: Lookup): Lookup {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, found) => {
      if (err) return callback(err, []);
      const addresses = found as LookupAddress[];
      const bad = addresses.find((a) => isBlockedAddress(a.address));
      if (bad) return callback(refusal(hostname, bad.address), []);
      if (addresses.length === 0) return callback(new Error(`${hostname} has no address.`), []);
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** `Retry-After: <seconds>` or `<HTTP-date>` (RFC 9110 §10.2.3) in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, at = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - at);
}
