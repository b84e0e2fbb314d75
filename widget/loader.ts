/**
 * touchpoint.js, the script-tag loader (a classic script, kept under 2 KB gzip):
 *
 *   <script async src="https://RELAY/widget/touchpoint.js" data-key="pk_…"></script>
 *
 * Installs `window.Touchpoint(cmd, …args)`, replaying calls a stub queued before it ran
 * (see widget/README.md), and imports the elements' chunk only once a `tp-` element is on
 * the page (now or later: single-page apps) or a launcher is configured with
 * `data-launcher="form"` / `data-launcher-<attribute>="…"`. Loading it twice is harmless.
 */

/** The elements chunk's hashed file name, filled in by rollup.config.mjs. */
declare const __ELEMENTS__: string;

type Elements = {
  start(settings: { key: string; relay: string }, config?: Promise<Response>): void;
  command(cmd: string, args: unknown[]): void;
};
type Api = ((cmd: string, ...args: unknown[]) => void) & { q?: ArrayLike<unknown>[]; v?: number };

(() => {
  const w = window as unknown as { Touchpoint?: Api; litNonce?: string };
  const d = document;
  const stub = w.Touchpoint;
  if (stub?.v) return; // this loader already runs on the page

  const script =
    (d.currentScript as HTMLScriptElement | null) ??
    [...d.querySelectorAll<HTMLScriptElement>('script[src]')]
      .reverse()
      .find((s) => /\/widget\/touchpoint\.js([?#]|$)/.test(s.src));
  if (!script) return;
  const src = new URL(script.src, location.href);
  const settings = {
    key: script.dataset.key ?? '',
    relay: (script.dataset.relay || src.origin).replace(/\/+$/, ''),
  };
  // Lit reads this nonce for the <style> elements it creates where adoptedStyleSheets is missing.
  if (script.nonce && !w.litNonce) w.litNonce = script.nonce;

  let elements: Elements | undefined;
  let loading: Promise<void> | undefined;
  const waiting: [string, unknown[]][] = [];
  const load = () => {
    // The shop's config downloads alongside the elements' code, not after it.
    const config =
      !loading && settings.key
        ? fetch(`${settings.relay}/public/v1/config?key=${encodeURIComponent(settings.key)}`, {
            credentials: 'omit',
          })
        : undefined;
    config?.catch(() => {}); // the elements retry on their own
    return (loading ||= import(new URL(__ELEMENTS__, src).href).then(
      (m: Elements) => {
        observer.disconnect();
        m.start(settings, config);
        elements = m;
        for (const [cmd, args] of waiting.splice(0)) m.command(cmd, args);
      },
      () => void (loading = undefined),
    )); // offline for a moment: the next mutation tries again
  };

  const api: Api = (cmd, ...args) => {
    if (cmd === 'on') {
      const [name, fn] = args as [string, (detail: unknown) => void];
      d.addEventListener(name.startsWith('tp-') ? name : `tp-${name}`, (e) =>
        fn((e as CustomEvent).detail),
      );
    } else if (elements) elements.command(cmd, args);
    else waiting.push([cmd, args]);
  };
  api.v = 1;
  w.Touchpoint = api;
  for (const call of stub?.q ?? []) api(...(Array.from(call) as [string, ...unknown[]]));

  // data-launcher="callback" data-launcher-channels="telegram" → <tp-launcher form="callback" channels="telegram">
  const attrs = [...script.attributes].filter((a) => a.name.startsWith('data-launcher'));
  if (attrs.length) {
    const launcher = d.createElement('tp-launcher');
    for (const a of attrs) launcher.setAttribute(a.name.slice(14) || 'form', a.value);
    const add = () => d.body.append(launcher);
    if (d.body) add();
    else d.addEventListener('DOMContentLoaded', add);
  }

  const found = () => !!d.querySelector('tp-lead-form,tp-subscribe,tp-launcher') && !!load();
  const observer = new MutationObserver(found);
  if (!found() && !attrs.length)
    observer.observe(d.documentElement, { childList: true, subtree: true });
  else void load();
})();
