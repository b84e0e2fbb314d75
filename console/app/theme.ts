/**
 * Light, dark, or the system's choice (the default). The choice is a data-theme attribute on
 * <html>, which console.css turns into `color-scheme`; every colour follows through
 * light-dark(). Kept in localStorage: a preference, not a secret.
 */
export type Theme = 'system' | 'light' | 'dark';
export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

const CHOICE = 'tpc.theme';
const dark = matchMedia('(prefers-color-scheme: dark)');

export function savedTheme(): Theme {
  try {
    const saved = localStorage.getItem(CHOICE);
    if (saved && (THEMES as string[]).includes(saved)) return saved as Theme;
  } catch {
    /* storage blocked */
  }
  return 'system';
}

export function applyTheme(theme: Theme, remember = false) {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
  if (remember)
    try {
      localStorage.setItem(CHOICE, theme);
    } catch {
      /* this page only */
    }
  window.dispatchEvent(new Event('tpc-theme'));
}

/** The scheme in effect: what the theme says, or the system's. */
export const effectiveTheme = (): 'light' | 'dark' => {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return dark.matches ? 'dark' : 'light';
};

dark.addEventListener('change', () => window.dispatchEvent(new Event('tpc-theme')));
