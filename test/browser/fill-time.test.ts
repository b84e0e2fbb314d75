import type { Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LeadRequest } from '../../widget/api/types.js';
import { describeBrowser, launch, settled, type Browser } from './harness.js';
import { startShop, type Shop } from './shop.js';

const MIN_FILL_MS = 4000;

/**
 * A person who fills a form faster than its `min_fill_ms` is not a bot: the widget holds
 * the lead until that much time has passed since the form appeared, showing "Sending…",
 * so that the relay does not file it as spam.
 */
describeBrowser('a quick person', () => {
  let browser: Browser;
  let shop: Shop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([
      launch(),
      startShop({
        forms: [
          {
            name: 'quick',
            fields: [{ name: 'email', label: { en: 'Email' }, type: 'email', required: true }],
            min_fill_ms: MIN_FILL_MS,
          },
        ],
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  it('is kept waiting behind "Sending…" until min_fill_ms, and the lead is not spam', async () => {
    const page = await browser.newPage();
    const sent: LeadRequest[] = [];
    page.on('request', (r: Request) => {
      if (r.method() === 'POST' && r.url().endsWith('/public/v1/leads'))
        sent.push(JSON.parse(r.postData()!));
    });
    await page.goto(shop.page({ body: '<tp-lead-form form="quick"></tp-lead-form>' }));
    await settled(page);
    await page.locator('tp-lead-form input[name=email]').waitFor();
    // From now on (a little after the form appeared), in the page's clock: every state of
    // the submit button.
    await page.evaluate(() => {
      const root = document.querySelector('tp-lead-form')!.shadowRoot!;
      const w = window as any;
      w.__shown = performance.now();
      w.__button = [];
      new MutationObserver(() => {
        const b = root.querySelector('button[type=submit]');
        if (b) w.__button.push([b.textContent!.trim(), b.getAttribute('aria-busy')]);
      }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.locator('tp-lead-form input[name=email]').fill('quick@example.com');
    await page.locator('tp-lead-form button[type=submit]').click();
    // A second press while waiting sends nothing more (without waiting for the button:
    // a widget that sent at once has already replaced the form by its thanks).
    await page.evaluate(() =>
      document
        .querySelector('tp-lead-form')!
        .shadowRoot!.querySelector<HTMLButtonElement>('button[type=submit]')
        ?.click(),
    );
    const status = page.locator('tp-lead-form [role=status]');
    await expect
      .poll(() => status.textContent(), { timeout: 15_000 })
      .toBe('Thank you! We will be in touch soon.');

    const { shown, button, request } = await page.evaluate(() => ({
      shown: (window as any).__shown as number,
      button: (window as any).__button as [string, string][],
      request: performance
        .getEntriesByType('resource')
        .find((e) => e.name.endsWith('/public/v1/leads'))!.startTime,
    }));
    expect(button).toContainEqual(['Sending…', 'true']);
    // Sent no sooner than min_fill_ms after the form appeared (`shown` is a little later).
    expect(request - shown).toBeGreaterThanOrEqual(MIN_FILL_MS - 1000);
    expect(sent).toHaveLength(1);
    expect(sent[0].elapsed_ms).toBeGreaterThanOrEqual(MIN_FILL_MS);
    const leads = await shop.leads();
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ form_name: 'quick', spam: false });
    expect(leads[0].fields.email).toBe('quick@example.com');
    await page.close();
  });
});
