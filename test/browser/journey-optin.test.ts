import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, settled, type Browser } from './harness.js';
import { startJourney, type Journey } from './journey.js';

describeBrowser('journey: a visitor subscribes to a messenger bot', () => {
  let browser: Browser;
  let j: Journey;
  beforeAll(async () => {
    [browser, j] = await Promise.all([launch(), startJourney()]);
  });
  afterAll(async () => {
    await browser?.close();
    await j?.close();
  });

  it('opens a deep link carrying a fresh, stored token on every click', async () => {
    const context = await browser.newContext();
    // The sandbox inbox lives at the relay's public URL; answer it here, the test reads URLs.
    await context.route(`${j.relay.config.publicUrl}/**`, (r) =>
      r.fulfill({ contentType: 'text/html', body: '<title>Inbox</title>' }),
    );
    const page = await context.newPage();
    await page.goto(j.page('<tp-subscribe></tp-subscribe>'));
    await settled(page);
    const link = page.locator('tp-subscribe a[part~=link]');
    await link.waitFor();
    expect(await link.textContent()).toBe('Subscribe in Sandbox');
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await popup.waitForLoadState();
      const url = new URL(popup.url());
      expect(url.searchParams.get('bot')).toBe(String(j.botId));
      tokens.push(url.searchParams.get('start')!);
      await popup.close();
    }
    expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tokens[1]).not.toBe(tokens[0]);
    const stored = j.relay.db.prepare('SELECT count(*) AS n FROM optin_tokens').get() as {
      n: number;
    };
    expect(stored.n).toBe(2);
    await context.close();
  });
});
