import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from '../browser/harness.js';
import { collectErrors } from '../browser/harness.js';
import type { Relay } from '../helpers/relay.js';

/** axe-core's source, evaluated through the DevTools protocol: the console's CSP forbids inline scripts. */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export type ConsoleOptions = {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  mobile?: boolean;
  locale?: string;
};

/**
 * A fresh browser context (its own sessionStorage, so its own session) on the relay's
 * console, watching for CSP violations and console errors from the first script on.
 */
export async function openConsole(browser: Browser, relay: Relay, o: ConsoleOptions = {}) {
  const context: BrowserContext = await browser.newContext({
    colorScheme: o.colorScheme ?? 'light',
    viewport: o.viewport ?? { width: 1280, height: 900 },
    locale: o.locale ?? 'en-US',
    permissions: ['clipboard-read', 'clipboard-write'],
    acceptDownloads: true,
    ...(o.mobile ? { deviceScaleFactor: 2, hasTouch: true, isMobile: true } : {}),
  });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return {
    page,
    context,
    errors,
    /** CSP violations the page reported. */
    violations: (): Promise<string[]> => page.evaluate(() => (window as any).__violations),
    goto: async (hash = '') => {
      await page.goto(`${relay.url}/console/${hash}`);
    },
    close: () => context.close(),
  };
}
export type ConsoleTab = Awaited<ReturnType<typeof openConsole>>;

/** Signs in through the form, as a person would, and waits for the shell's navigation. */
export async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Attached, not visible: at phone width the navigation waits behind the Menu button.
  await page.locator('tpc-app nav#panel').waitFor({ state: 'attached' });
  // Then the page signing in lands on, so that the test's next step starts from a settled view.
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** The page's main heading, once the view has rendered it. */
export const heading = (page: Page) => page.getByRole('heading', { level: 1 });

/** The page's markup with every open shadow root's inside it, values of inputs included. */
export const deepHtml = (page: Page) =>
  page.evaluate(() => {
    const walk = (root: Document | ShadowRoot): string =>
      [...root.querySelectorAll('*')]
        .map((el) => {
          const value = 'value' in el ? ` value=${String((el as HTMLInputElement).value)}` : '';
          return value + (el.shadowRoot ? walk(el.shadowRoot) : '');
        })
        .join('') + ('innerHTML' in root ? root.innerHTML : root.documentElement.outerHTML);
    return walk(document);
  });

/** Waits until the view's main heading says `text`. */
export async function atPage(page: Page, text: string | RegExp) {
  await page
    .getByRole('heading', { level: 1, name: text, exact: typeof text === 'string' })
    .waitFor({ timeout: 10_000 });
}

type AxeResult = {
  violations: {
    id: string;
    impact: string;
    nodes: { target: unknown; failureSummary: string }[];
  }[];
};

/** axe-core over the whole page, shadow roots included (WCAG 2.x A and AA, best practices). */
export async function axe(page: Page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const result = (await page.evaluate(() =>
    (window as any).axe.run(document, { resultTypes: ['violations'] }),
  )) as AxeResult;
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    nodes: v.nodes.map((n) => [n.target, n.failureSummary]),
  }));
}

/** Console errors other than Chromium's note on an HTTP error the test caused on purpose. */
export function unexpected(errors: string[], statuses: number[] = []) {
  const expected = new RegExp(`status of (${statuses.join('|') || 'none'}) `);
  return errors.filter((e) => !(/Failed to load resource/.test(e) && expected.test(e)));
}
