import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRelay, type Relay } from '../helpers/relay.js';
import { describeBrowser, launch, type Browser } from './harness.js';

/**
 * /api/docs in Chromium, opened through another host name than the relay's configured
 * public URL (`localhost` for a relay that thinks it is http://localhost:8787 but listens on
 * 127.0.0.1 and another port): "Try it out" must reach the relay the page came from.
 */
describeBrowser('the API reference in a browser', () => {
  let browser: Browser;
  let relay: Relay;
  beforeAll(async () => {
    [browser, relay] = await Promise.all([launch(), startRelay()]);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
  });

  it('sends "Try it out" to the host the docs were opened through', async () => {
    const page = await browser.newPage();
    try {
      const docs = new URL('/api/docs', relay.url);
      docs.hostname = 'localhost';
      const calls: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/shop/shops')) calls.push(r.url());
      });
      await page.goto(docs.href);
      const op = page.locator('.opblock-get', {
        has: page.locator('.opblock-summary-path[data-path="/api/shop/shops/"]'),
      });
      await op.locator('.opblock-summary').click();
      await op.locator('.try-out__btn').click();
      await op.locator('.execute').click();
      const status = op.locator('.live-responses-table tbody .response-col_status').first();
      await status.waitFor();
      // No token: the relay's own 401, read by the page (not "Failed to fetch").
      expect((await status.textContent())?.trim()).toBe('401');
      const call = new URL(calls[0]);
      expect(`${call.origin}${call.pathname}`).toBe(
        `http://localhost:${docs.port}/api/shop/shops/`,
      );
    } finally {
      await page.close();
    }
  });
});
