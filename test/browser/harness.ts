import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { listen } from '../../relay/listen.js';
import { widgetAssetRoutes } from '../../relay/widget-assets/routes.js';

/** The system Chromium: `CHROME_PATH`, else Debian's /usr/bin/chromium. */
export const chromePath = (): string | null => {
  const path = process.env.CHROME_PATH || '/usr/bin/chromium';
  return existsSync(path) ? path : null;
};

/**
 * `describe` for suites that need Chromium. Without one they report themselves skipped,
 * unless REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
 */
export function describeBrowser(name: string, fn: () => void) {
  if (chromePath()) return describe(name, fn);
  if (process.env.REQUIRE_BROWSER === '1')
    return describe(name, () => {
      it('has Chromium to run in', () => {
        throw new Error(
          `REQUIRE_BROWSER=1 but no browser at ${process.env.CHROME_PATH || '/usr/bin/chromium'}`,
        );
      });
    });
  return describe.skip(`${name} (no Chromium: set CHROME_PATH)`, fn);
}

/** Flags for a quiet, offline, reproducible headless Chromium in a container. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const launch = (): Promise<Browser> =>
  chromium.launch({ executablePath: chromePath()!, args: ARGS, headless: true });

export type PageSpec = { html: string; headers?: Record<string, string> };

/**
 * A loopback site for browser tests: `/widget/*` from dist/widget (as the relay serves it),
 * test pages registered with `page()`, and optionally an API app mounted next to them
 * (the fake public API, or a whole relay app), all on one origin unless told otherwise.
 */
export async function startSite(api?: { fetch: (req: Request) => Response | Promise<Response> }) {
  const pages = new Map<string, PageSpec>();
  const app = new Hono();
  app.route('/', widgetAssetRoutes());
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/pages/:name', (c) => {
    const spec = pages.get(c.req.param('name'));
    if (!spec) return c.text('no such page', 404);
    for (const [k, v] of Object.entries(spec.headers ?? {})) c.header(k, v);
    return c.html(spec.html);
  });
  if (api) app.all('*', (c) => api.fetch(c.req.raw));
  const server = await listen(app);
  let n = 0;
  return {
    url: server.url,
    /** Registers a page and returns its URL. */
    page(html: string, headers?: Record<string, string>) {
      const name = `p${++n}`;
      pages.set(name, { html, headers });
      return `${server.url}/pages/${name}`;
    },
    close: () => server.close(),
  };
}
export type Site = Awaited<ReturnType<typeof startSite>>;

/** A page document with the loader script; `body` is placed before it. */
export const doc = ({
  body = '',
  head = '',
  lang = 'en',
  key = 'pk_test',
  script = `<script async src="/widget/touchpoint.js" data-key="${key}"></script>`,
}: {
  body?: string;
  head?: string;
  lang?: string;
  key?: string;
  script?: string;
}) =>
  `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Test page</title>${head}</head><body>${body}${script}</body></html>`;

/** Console errors and page errors of a page, collected from its start. */
export function collectErrors(page: Page) {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Waits until every tp- element on the page has rendered (Lit's updateComplete). */
export async function settled(page: Page, selector = 'tp-lead-form,tp-subscribe,tp-launcher') {
  await page.waitForFunction(
    (sel) =>
      [...document.querySelectorAll(sel)].length > 0 &&
      [...document.querySelectorAll(sel)].every((el) => (el as HTMLElement).shadowRoot),
    selector,
  );
  await page.evaluate(async (sel) => {
    for (const el of document.querySelectorAll(sel))
      await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
  }, selector);
}

/** test/artifacts/ (gitignored): screenshots the suites leave for people to look at. */
export function artifactPath(name: string) {
  const dir = join(process.cwd(), 'test', 'artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

export type { Browser, BrowserContext, Page };
