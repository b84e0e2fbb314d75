import { LitElement, type PropertyDeclarations } from 'lit';
import { ConfigController } from '../api/config.js';
import type { ApiFailure } from '../api/http.js';
import { emit, type ErrorDetail } from './events.js';
import { localeOf, textsFor, type Texts } from './i18n.js';
import { configure, relayOf, settings, watchSettings } from './settings.js';
import { applyTheme } from './styles.js';

let os: MediaQueryList | undefined;

/**
 * Once, when the first element is made (not at import: a bundle may be evaluated where
 * there is no DOM): when the visitor's system or the page's own scheme (an attribute of
 * the root element, as a site's dark-mode switch sets) changes, every element resolves its
 * palette again.
 */
function watchScheme() {
  if (os) return;
  const again = () => configure({});
  (os = matchMedia('(prefers-color-scheme: dark)')).addEventListener('change', again);
  new MutationObserver(again).observe(document.documentElement, { attributes: true });
}

/**
 * Whether an element shows its dark palette. `dark`/`light` force one; `auto` follows the
 * visitor's system; anything else follows the page: the root element's computed
 * `color-scheme`, else `<meta name="color-scheme">`, as the browser itself would (the
 * system's scheme when the page supports it, else the page's first), light when the page
 * declares none. https://drafts.csswg.org/css-color-adjust/#color-scheme-prop
 */
export function isDark(theme: string): boolean {
  if (theme === 'dark' || theme === 'light') return theme === 'dark';
  const system = os!.matches ? 'dark' : 'light';
  if (theme === 'auto') return system === 'dark';
  const root = getComputedStyle(document.documentElement).colorScheme;
  const page: string[] =
    (root === 'normal'
      ? document.querySelector<HTMLMetaElement>('meta[name=color-scheme]')?.content
      : root
    )?.match(/\b(light|dark)\b/g) ?? [];
  return (page.includes(system) ? system : page[0]) === 'dark';
}

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
  /**
   * `light` or `dark` to force a palette; `auto` follows the visitor's system
   * (`prefers-color-scheme`); empty (the default) follows the page's `color-scheme` (its
   * root element's, else its `<meta name="color-scheme">`), light when it declares none.
   */
  theme = '';

  protected readonly config = new ConfigController(this);

  constructor() {
    super();
    watchSettings(this);
    watchScheme();
  }

  override updated() {
    applyTheme(this, this.themeVars(), isDark(this.theme));
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
