import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ApiFailure, callJson, readJson, withRetry } from './http.js';
import type { PublicConfig } from './types.js';

/** One request per relay and key, shared by every element on the page. */
const cache = new Map<string, Promise<PublicConfig>>();

/** The config's URL for a relay and a key. */
export const configUrl = (relay: string, key: string) =>
  `${relay}/public/v1/config?key=${encodeURIComponent(key)}`;

function remember(url: string, pending: Promise<PublicConfig>) {
  cache.set(url, pending);
  pending.catch(() => cache.delete(url)); // a later element may try again
  return pending;
}

// The browser's HTTP cache revalidates with If-None-Match against the relay's ETag.
const request = (url: string) => withRetry(() => callJson<PublicConfig>(url), { attempts: 3 });
const fetchConfig = (url: string) => cache.get(url) ?? remember(url, request(url));

/**
 * Adopts the config request the loader started while this chunk was downloading (one
 * round trip saved); if that one failed in a way that may pass (network, 5xx, 429), the
 * usual request with retries takes over. A refusal stands: asking again would only be
 * refused (and logged by the relay) twice.
 */
export function primeConfig(url: string, response: Promise<Response>) {
  if (!cache.has(url))
    remember(
      url,
      readJson<PublicConfig>(response).catch((e: ApiFailure) =>
        e.retryable ? request(url) : Promise.reject(e),
      ),
    );
}

/** Forgets cached configs (tests, or a page that changes keys). */
export const clearConfigCache = () => cache.clear();

type Host = ReactiveControllerHost & {
  /** `relay` and `key` to load from; '' while unknown. */
  source(): { relay: string; key: string };
  /** A load failed for good: the host renders the state and emits `tp-error`. */
  configFailed(failure: ApiFailure): void;
};

/**
 * The shop's public config for a host element. Reloads when the host's relay or key
 * changes; a response for a source the host no longer uses is dropped.
 */
export class ConfigController implements ReactiveController {
  phase: 'idle' | 'loading' | 'ready' | 'error' = 'idle';
  value?: PublicConfig;
  private url = '';

  constructor(private readonly host: Host) {
    host.addController(this);
  }

  hostUpdate() {
    const { relay, key } = this.host.source();
    const url = key ? configUrl(relay, key) : '';
    if (url === this.url) return;
    this.url = url;
    this.value = undefined;
    this.phase = url ? 'loading' : 'idle';
    if (!url) return;
    fetchConfig(url).then(
      (value) => this.settle(url, () => ((this.phase = 'ready'), (this.value = value))),
      (err) =>
        this.settle(url, () => {
          this.phase = 'error';
          this.host.configFailed(err instanceof ApiFailure ? err : new ApiFailure(0, String(err)));
        }),
    );
  }

  private settle(url: string, apply: () => void) {
    if (url !== this.url) return; // late answer for an old key: drop it
    apply();
    this.host.requestUpdate();
  }
}
