import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedDemo } from '../../relay/demo/seed.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import {
  collectErrors,
  describeBrowser,
  launch,
  proxyTo,
  settled,
  startSite,
  type Browser,
  type Site,
} from './harness.js';

/**
 * A buyer subscribes to their order from the demo's order page and presses Start in the
 * sandbox inbox the link opens, in Chromium: the inbox never shows the link's single-use
 * token, and the bot says which order the buyer now follows before its welcome scenario.
 */
describeBrowser('demo opt-in confirmation in the sandbox inbox', () => {
  let browser: Browser;
  let relay: Relay;
  let site: Site;
  beforeAll(async () => {
    let relayUrl = '';
    site = await startSite(proxyTo(() => relayUrl));
    [browser, relay] = await Promise.all([
      launch(),
      startRelay({ demo: true, publicRateLimit: 0, publicUrl: site.url }),
    ]);
    relayUrl = relay.url;
    await seedDemo(relay.stores, { publicUrl: site.url });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await relay?.close();
  });

  it('shows the confirmation of the order, and never the raw /start token', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const shop = await context.newPage();
    const errors = collectErrors(shop);
    await shop.goto(`${site.url}/demo/`);
    await shop.getByRole('button', { name: 'Buy Morning Roast, 250 g' }).click();
    await shop.waitForURL(/\/demo\/order\/demo-[0-9a-f]+$/);
    await settled(shop, 'tp-subscribe');
    const [buyer] = await Promise.all([
      context.waitForEvent('page'),
      shop.locator('main tp-subscribe a[part~=link]').click(),
    ]);
    await buyer.waitForLoadState();
    const token = new URL(buyer.url()).searchParams.get('start')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const visible = () => buyer.locator('body').innerText();

    // Before Start: a sentence about the link, not the token.
    await expect.poll(() => buyer.locator('#start-link').isVisible()).toBe(true);
    expect(await visible()).toContain('You came from the shop’s link');
    expect(await visible()).not.toContain(token);

    await buyer.getByRole('button', { name: 'Start', exact: true }).click();
    const messages = buyer.locator('#messages li');
    const confirmation = buyer.locator('#messages li.out', {
      hasText: 'You will get updates about order 1001 here.',
    });
    await confirmation.waitFor({ timeout: 10_000 });
    const greeting = buyer.locator('#messages li.out', { hasText: 'This is the Demo Shop bot' });
    await greeting.waitFor({ timeout: 10_000 });
    const texts = await messages.locator('span').allTextContents();
    // The person's Start as a messenger shows it, then the confirmation, then the welcome.
    expect(texts[0]).toBe('/start');
    expect(texts[1]).toBe('You will get updates about order 1001 here.');
    expect(texts[2]).toContain('This is the Demo Shop bot');
    expect(await visible()).not.toContain(token);
    expect(buyer.url()).not.toContain(token);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
