import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ApiFailure } from '../api/client.js';

/**
 * Data a view shows, loaded through the API: loads again whenever `key()` changes (the
 * route's id, the filters), or on `reload()`. An answer for an older key is dropped, so a
 * slow page of results never replaces a newer one. A failure is kept as state to render.
 */
export class Resource<T> implements ReactiveController {
  value?: T;
  failure?: ApiFailure;
  loading = false;
  private key?: string;
  private seq = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly load: () => Promise<T>,
    private readonly deps: () => unknown,
  ) {
    host.addController(this);
  }

  hostUpdate() {
    const key = JSON.stringify(this.deps());
    if (key === this.key) return;
    this.key = key;
    void this.reload({ keep: false });
  }

  /** Loads again; `keep` shows the current value meanwhile (a refresh, not a new view). */
  async reload({ keep = true } = {}): Promise<void> {
    const seq = ++this.seq;
    this.loading = true;
    if (!keep) this.value = undefined;
    this.host.requestUpdate();
    try {
      const value = await this.load();
      if (seq !== this.seq) return;
      this.value = value;
      this.failure = undefined;
    } catch (err) {
      if (seq !== this.seq) return;
      this.failure = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
    } finally {
      if (seq === this.seq) {
        this.loading = false;
        this.host.requestUpdate();
      }
    }
  }
}

/**
 * A person's action through the API (a save, a status change): `busy` while it runs, its
 * ApiFailure kept for the view to show next to the fields or as a sentence.
 */
export class Action {
  busy = false;
  failure: ApiFailure | null = null;

  constructor(private readonly host: ReactiveControllerHost) {}

  /** Runs `fn`; its result, or undefined when it failed (the failure is then in `failure`). */
  async run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    this.failure = null;
    this.host.requestUpdate();
    try {
      return await fn();
    } catch (err) {
      this.failure = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
      return undefined;
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }

  clear() {
    this.failure = null;
    this.host.requestUpdate();
  }
}
