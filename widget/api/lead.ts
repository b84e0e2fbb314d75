import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { uuid } from '../core/settings.js';
import { ApiFailure, postJson, sleep, withRetry } from './http.js';
import type { LeadAccepted, LeadRequest } from './types.js';

export type LeadPhase = 'idle' | 'sending' | 'retrying' | 'success' | 'error';

/**
 * Sends one lead with retries. A submission keeps its `submission_id` across automatic
 * retries and across a manual retry of the same values, so that a lead the relay stored
 * before the answer was lost is not stored twice (the relay is idempotent on the id).
 */
export class LeadController implements ReactiveController {
  phase: LeadPhase = 'idle';
  failure?: ApiFailure;
  private submissionId = '';
  private signature = '';
  private inflight?: { url: string; body: string; abort: AbortController };

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected() {
    addEventListener('pagehide', this.flush);
  }

  hostDisconnected() {
    removeEventListener('pagehide', this.flush);
    this.flush();
    this.inflight?.abort.abort();
    this.inflight = undefined;
  }

  /** The id the next `send` of these values will carry. */
  idFor(values: unknown): string {
    const signature = JSON.stringify(values);
    if (signature !== this.signature || !this.submissionId) {
      this.signature = signature;
      this.submissionId = uuid();
    }
    return this.submissionId;
  }

  /** Sends `lead` after `waitMs` (the rest of the form's min_fill_ms), already 'sending'. */
  async send(url: string, lead: LeadRequest, waitMs = 0): Promise<LeadAccepted> {
    this.inflight?.abort.abort();
    const abort = new AbortController();
    const current = (this.inflight = { url, body: JSON.stringify(lead), abort });
    this.set('sending');
    try {
      if (waitMs > 0) await sleep(waitMs, abort.signal);
      const result = await withRetry(
        () => postJson<LeadAccepted>(url, lead, { signal: abort.signal }),
        { attempts: 5, signal: abort.signal, onRetry: () => this.set('retrying') },
      );
      if (this.inflight !== current) throw abort.signal.reason;
      this.submissionId = '';
      this.set('success');
      return result;
    } catch (err) {
      if (this.inflight === current) {
        this.failure = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
        this.set('error');
      }
      throw err;
    } finally {
      if (this.inflight === current) this.inflight = undefined;
    }
  }

  /**
   * The page is going away with a lead still in flight (or waiting to retry): hand one
   * last copy to the browser with `keepalive`, which outlives the page
   * (https://fetch.spec.whatwg.org/#request-keepalive-flag). Same submission_id: if an
   * earlier try did arrive, the relay answers it without storing a second lead.
   */
  private flush = () => {
    const pending = this.inflight;
    if (!pending) return;
    fetch(pending.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: pending.body,
      credentials: 'omit',
      keepalive: true,
    }).catch(() => {});
  };

  private set(phase: LeadPhase) {
    this.phase = phase;
    this.host.requestUpdate();
  }
}
