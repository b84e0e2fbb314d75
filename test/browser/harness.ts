import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
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

/**
 * Flags for a quiet, offline, reproducible headless Chromium in a container. New tabs reuse
 * two renderer processes instead of starting one each (half of a test's time on two cores),
 * and tabs in the background (the inbox while the shop page acts) keep their timers.
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--renderer-process-limit=2',
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
];

export const launch = (): Promise<Browser> =>
  chromium.launch({ executablePath: chromePath()!, args: ARGS, headless: true });

export type PageSpec = { html: string; headers?: Record<string, string> };
type Upstream = { fetch: (req: Request) => Response | Promise<Response> };

/**
 * A loopback site for browser tests: test pages registered with `page()`, and every other
 * path passed to `upstream` — the relay behind `proxyTo()`, so that pages, `/widget/*` and
 * `/public/v1/*` share one origin, as when a shop serves the relay under its own domain.
 * Without an upstream the site serves `/widget/*` from dist/widget itself.
 */
export async function startSite(upstream?: Upstream) {
  const pages = new Map<string, PageSpec>();
  const app = new Hono();
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/pages/:name', (c) => {
    const spec = pages.get(c.req.param('name'));
    if (!spec) return c.text('no such page', 404);
    for (const [k, v] of Object.entries(spec.headers ?? {})) c.header(k, v);
    return c.html(spec.html);
  });
  if (upstream) app.all('*', (c) => upstream.fetch(c.req.raw));
  else app.route('/', widgetAssetRoutes());
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

/** Headers of one hop (RFC 9110 §7.6.1); `content-length` is set again for the body sent. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
]);

/**
 * A reverse proxy to `target()` (read per request: the relay starts after the site, once
 * its public URL is known). Bodies pass byte for byte, gzip included, and `Host` is kept,
 * as nginx's `proxy_set_header Host $host` would.
 */
export function proxyTo(target: () => string): Upstream {
  return {
    async fetch(req) {
      const url = new URL(req.url);
      const to = new URL(target());
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.has(k)) headers[k] = v;
      });
      const body =
        req.method === 'GET' || req.method === 'HEAD'
          ? undefined
          : Buffer.from(await req.arrayBuffer());
      if (body) headers['content-length'] = String(body.length);
      return new Promise<Response>((resolve, reject) => {
        const out = request(
          {
            host: to.hostname,
            port: to.port,
            method: req.method,
            path: url.pathname + url.search,
            headers,
          },
          (res) => {
            const back = new Headers();
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined && !HOP_BY_HOP.has(k))
                for (const one of [v].flat()) back.append(k, one);
            const empty = req.method === 'HEAD' || [204, 304].includes(res.statusCode!);
            if (empty) res.resume();
            resolve(
              new Response(empty ? null : (Readable.toWeb(res) as ReadableStream), {
                status: res.statusCode,
                headers: back,
              }),
            );
          },
        );
        out.on('error', reject);
        out.end(body);
      });
    },
  };
}
export type Site = Awaited<ReturnType<typeof startSite>>;

/** A page document with the loader script; `body` is placed before it. */
export const doc = ({
  body = '',
  head = '',
  lang = 'en',
  dir = 'ltr',
  key = 'pk_test',
  script = `<script async src="/widget/touchpoint.js" data-key="${key}"></script>`,
}: {
  body?: string;
  head?: string;
  lang?: string;
  dir?: 'ltr' | 'rtl';
  key?: string;
  script?: string;
}) =>
  `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Test page</title>${head}</head><body>${body}${script}</body></html>`;

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
