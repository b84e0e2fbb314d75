import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  collectErrors,
  describeBrowser,
  launch,
  settled,
  type Browser,
  type Page,
} from './harness.js';
import { startShop, type Shop } from './shop.js';

/** No inline anything, no eval: only this origin's scripts, styles and connections. */
const STRICT =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The nonce-based variant (with 'strict-dynamic', as Google's CSP guidance recommends). */
const NONCED =
  "default-src 'none'; script-src 'nonce-r4nd0m' 'strict-dynamic'; style-src 'nonce-r4nd0m'; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'";

const WIDGETS =
  '<tp-lead-form form="callback"></tp-lead-form><tp-subscribe></tp-subscribe><tp-launcher form="newsletter" channels="sandbox"></tp-launcher>';

/** Counts CSP violations as the page sees them, from before any script runs. */
const watchViolations = (page: Page) =>
  page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });

describeBrowser('strict Content-Security-Policy', () => {
  let browser: Browser;
  let shop: Shop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  const exercise = async (page: Page) => {
    await settled(page);
    const form = page.locator('tp-lead-form').first();
    await form.locator('input[name=email]').waitFor();
    await form.locator('button[type=submit]').click(); // errors rendered
    await form.locator('input[name=name]').fill('Csp');
    await form.locator('input[name=email]').fill('csp@example.com');
    await form.locator('input[name=consent]').check();
    await form.locator('button[type=submit]').click();
    await page.waitForFunction(() =>
      document
        .querySelector('tp-lead-form')!
        .shadowRoot!.querySelector('[role=status]')!
        .textContent!.startsWith('Thank'),
    );
    await page.evaluate(() => (window as any).Touchpoint('open'));
    await page.waitForFunction(
      () => document.querySelector('tp-launcher')!.shadowRoot!.querySelector('dialog')!.open,
    );
  };

  it("works under script-src 'self' with zero CSP errors", async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await watchViolations(page);
    await page.goto(shop.page({ body: WIDGETS }, { 'Content-Security-Policy': STRICT }));
    await exercise(page);
    // Styles applied: the submit button is the accent colour, not the browser's default.
    const bg = await page
      .locator('tp-lead-form button[type=submit]')
      .first()
      .evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(bg).toBe('rgb(39, 80, 192)');
    expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
    expect(errors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('honours the nonce of its script tag, for the queue stub and the loader', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await watchViolations(page);
    const head =
      '<script nonce="r4nd0m">window.Touchpoint=window.Touchpoint||function(){(Touchpoint.q=Touchpoint.q||[]).push(arguments)};Touchpoint("identify",{name:"Nonce"})</script>';
    const script = `<script async nonce="r4nd0m" src="/widget/touchpoint.js" data-key="${shop.pk}"></script>`;
    await page.goto(
      shop.page({ head, body: WIDGETS, script }, { 'Content-Security-Policy': NONCED }),
    );
    await exercise(page);
    expect(await page.evaluate(() => (window as any).litNonce)).toBe('r4nd0m');
    expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
