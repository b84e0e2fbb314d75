import { LitElement, type PropertyDeclarations } from 'lit';
import { ConfigController } from '../api/config.js';
import type { ApiFailure } from '../api/http.js';
import { emit, type ErrorDetail } from './events.js';
import { localeOf, textsFor, type Texts } from './i18n.js';
import { relayOf, settings, watchSettings } from './settings.js';
import { applyTheme } from './styles.js';

/** Each sentence the relay (or the widget) explains a failure with, written to the console once. */
const warned = new Set<string>();

/**
 * What the three elements share: where to reach the relay, the shop's config, theme and
 * texts. Not registered as an element itself.
 */
export class TpElement extends LitElement {
  static override properties: PropertyDeclarations = {
    key: { type: String },
    relay: { type: String },
    theme: { type: String, reflect: true },
  };

  /** The shop's publishable key (`pk_…`); defaults to the loader's `data-key`. */
  key = '';
  /** The relay's origin; defaults to the loader's `data-relay`, then the page's origin. */
  relay = '';
  /** `light` or `dark`; empty follows `prefers-color-scheme`. */
  theme = '';

  protected readonly config = new ConfigController(this);

  constructor() {
    super();
    watchSettings(this);
  }

  override updated() {
    applyTheme(this, this.themeVars());
  }

  /** @internal Where ConfigController loads from. */
  source() {
    return { relay: relayOf(this.relay), key: this.key || settings().key };
  }

  /** @internal Called by ConfigController when the config cannot be loaded. */
  configFailed(failure: ApiFailure) {
    this.fail('config', failure);
  }

  protected themeVars(): Record<string, string> | undefined {
    return this.config.value?.theme;
  }

  /**
   * A request failed for good: the page hears `tp-error`, the developer reads why in the
   * console (once per sentence: every element on the page shares one config). Visitors see
   * only the elements' neutral texts.
   */
  protected fail(
    source: ErrorDetail['source'],
    f: Pick<ApiFailure, 'status' | 'message' | 'fields'>,
  ) {
    if (!warned.has(f.message)) {
      warned.add(f.message);
      console.warn(`Touchpoint: ${f.message}`);
    }
    emit(this, 'tp-error', { source, status: f.status, message: f.message, fields: f.fields });
  }

  /** Built-in texts in the element's language, with the shop's overrides. */
  protected texts(): Texts {
    return textsFor(localeOf(this), this.config.value?.texts);
  }
}
