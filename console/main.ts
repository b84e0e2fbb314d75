/**
 * The console's entry (dist/console/console-<hash>.js): applies the saved theme, loads the
 * reader's language, then defines <tpc-app>, which index.html already contains, so the first
 * render is in the right language.
 */
import { TpcApp } from './app/app.js';
import { define } from './app/element.js';
import { applyTheme, savedTheme } from './app/theme.js';
import { preferredLocale, setLocale } from './i18n/i18n.js';

applyTheme(savedTheme());
// Not a top-level await: rollup would then split the shell into more chunks, for safety.
void setLocale(preferredLocale()).then(() => define('tpc-app', TpcApp));
