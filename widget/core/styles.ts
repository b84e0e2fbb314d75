import { css } from 'lit';

/**
 * The dark palette, adopted after `base` by elements whose theme resolves to dark (see
 * `isDark` in element.ts). Each token can be set by the page (`--tp-bg-dark`).
 */
const darkSheet = css`
  :host {
    --_bg: var(--tp-bg-dark, #1c1c21);
    --_fg: var(--tp-fg-dark, #ececf1);
    --_muted: var(--tp-muted-dark, #b9b9c6);
    --_border: var(--tp-border-dark, #8e8e9c);
    --_field: var(--tp-field-bg-dark, #26262d);
    --_accent: var(--tp-accent-dark, #9db9ff);
    --_accent-fg: var(--tp-accent-fg-dark, #0b1020);
    --_error: var(--tp-error-dark, #ff9d94);
    --_success: var(--tp-success-dark, #86dba1);
    color-scheme: dark;
  }
`;

/**
 * Shared by every element. `all: initial` on the host resets every inherited property, so
 * the page's body font, colour or line height (Bootstrap's reboot, Tailwind's preflight)
 * never leak in; the page styles the widget only through `--tp-*` and `::part()` (and
 * rules on the element itself, which beat `:host`).
 */
export const base = css`
  :host {
    --_bg: var(--tp-bg, #fff);
    --_fg: var(--tp-fg, #1b1b1f);
    --_muted: var(--tp-muted, #55555f);
    --_border: var(--tp-border, #767682);
    --_field: var(--tp-field-bg, #fff);
    --_accent: var(--tp-accent, #2750c0);
    --_accent-fg: var(--tp-accent-fg, #fff);
    --_error: var(--tp-error, #b3261e);
    --_success: var(--tp-success, #1b6e3a);
    --_radius: var(--tp-radius, 8px);
    --_gap: var(--tp-gap, 12px);
    /* Inherited properties from the page (body font, colour, line height…) stop here. */
    all: initial;
    display: block;
    box-sizing: border-box;
    color-scheme: light;
    color: var(--_fg);
    font: 400 var(--tp-font-size, 16px) / 1.5
      var(--tp-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .card {
    background: var(--_bg);
    border-radius: var(--_radius);
    padding: var(--tp-padding, 16px);
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
    letter-spacing: inherit;
    margin: 0;
  }
  .btn {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 8px;
    min-height: 44px;
    padding: 10px 18px;
    border: 0;
    border-radius: var(--_radius);
    background: var(--_accent);
    color: var(--_accent-fg);
    font-weight: 600;
    text-decoration: none;
    cursor: pointer;
  }
  .btn[disabled],
  .btn[aria-busy='true'] {
    opacity: 0.7;
    cursor: progress;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  .status {
    margin: var(--_gap) 0 0;
  }
  .status.empty {
    margin: 0;
  }
  .err {
    color: var(--_error);
  }
  .ok {
    color: var(--_success);
  }
  @media (prefers-reduced-motion: no-preference) {
    .btn {
      transition:
        filter 0.15s,
        transform 0.15s;
    }
    .btn:active {
      transform: translateY(1px);
    }
  }
  .btn:hover {
    filter: brightness(1.08);
  }
`;

/**
 * Theme overrides from the shop's config (`{accent:'#0a7'}` → `--tp-accent`) as a
 * constructed stylesheet: no inline style attribute, so a strict CSP allows it. Names and
 * values are checked so that config text can never close the rule and inject CSS.
 */
export function themeSheet(theme: Record<string, string> | undefined): CSSStyleSheet | null {
  const decls = Object.entries(theme ?? {})
    .filter(([k, v]) => /^[a-z][a-z0-9-]{0,40}$/.test(k) && /^[\w\s#%.,()'"-]{1,100}$/.test(v))
    .map(([k, v]) => `--tp-${k}:${v}`);
  if (!decls.length || !('replaceSync' in CSSStyleSheet.prototype)) return null;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`:host{${decls.join(';')}}`);
  return sheet;
}

const applied = new WeakMap<Element, { key: string; sheet: CSSStyleSheet | null }>();

/**
 * Adopts the dark palette when `dark`, then the config's theme, after the element's own
 * styles; call from `updated()`. Without constructed stylesheets (browsers before 2023)
 * the element keeps its light palette and the page's `--tp-*` properties.
 */
export function applyTheme(
  host: Element,
  theme: Record<string, string> | undefined,
  dark: boolean,
) {
  const root = host.shadowRoot;
  const prev = applied.get(host);
  const key = JSON.stringify(theme ?? {}) + dark;
  if (!root || prev?.key === key || !('adoptedStyleSheets' in root)) return;
  const sheet = themeSheet(theme);
  const palette = darkSheet.styleSheet!;
  const own = root.adoptedStyleSheets.filter((s) => s !== prev?.sheet && s !== palette);
  root.adoptedStyleSheets = [...own, ...(dark ? [palette] : []), ...(sheet ? [sheet] : [])];
  applied.set(host, { key, sheet });
}
