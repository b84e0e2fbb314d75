import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ApiFailure, postJson, withRetry } from './http.js';
import type { Optin, OptinRequest } from './types.js';

/**
 * Fetches opt-in tokens for a host. Tokens are single-use, so every click asks for a new
 * one; a click on another bot supersedes the previous request, whose answer is dropped.
 */
export class OptinController implements ReactiveController {
  /** The bot whose link is being fetched, or null. */
  pending: number | null = null;
  failure?: ApiFailure;
  /** The last link handed out, for the desktop "copy this link" line. */
  last?: { bot_id: number; url: string };
  private seq = 0;
  private abort?: AbortController;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostDisconnected() {
    this.abort?.abort();
    this.pending = null;
  }

  /** Resolves to the fresh link for `body.bot_id`, or null when superseded. */
  async request(
    url: string,
    body: OptinRequest,
  ): Promise<{ url: string; token: string; web_url?: string } | null> {
    const seq = ++this.seq;
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    this.pending = body.bot_id ?? null;
    this.failure = undefined;
    this.host.requestUpdate();
    try {
      const optin = await withRetry(() => postJson<Optin>(url, body, { signal: abort.signal }), {
        attempts: 3,
        signal: abort.signal,
      });
      if (seq !== this.seq) return null;
      const link = optin.links.find((l) => l.bot_id === body.bot_id) ?? optin.links[0];
      if (!link) throw new ApiFailure(404, 'No link for this bot.');
      this.last = { bot_id: link.bot_id, url: link.url };
      return { url: link.url, token: optin.token, web_url: link.web_url };
    } catch (err) {
      if (seq !== this.seq) return null;
      this.failure = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
      throw this.failure;
    } finally {
      if (seq === this.seq) {
        this.pending = null;
        this.host.requestUpdate();
      }
    }
  }
}
