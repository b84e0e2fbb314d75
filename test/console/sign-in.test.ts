import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser, type Page } from '../browser/harness.js';
import { startRelay, userWithShop, type Relay } from '../helpers/relay.js';
import { atPage, openConsole, signIn, unexpected } from './console.js';

/**
 * Makes the person go to `to` (as a click on a link does: `location.hash` changes, its
 * hashchange is queued) in the very moment the console has read the relay's answer to
 * `path` and is about to act on it. A person's click lands there by chance (the window is one
 * turn of the event loop); here it always does, so the test does not hang on the machine's
 * timing. The answer itself is the relay's, untouched.
 */
async function goWhenAnswered(page: Page, path: string, to: string) {
  await page.addInitScript(
    ({ path, to }) => {
      const fetch = window.fetch;
      let gone = false;
      window.fetch = async (input, init) => {
        const response = await fetch(input, init);
        const url = new URL(input instanceof Request ? input.url : String(input), location.href);
        if (gone || url.pathname !== path || !response.ok) return response;
        gone = true;
        const json = response.json.bind(response);
        response.json = async () => {
          const body: unknown = await json();
          location.hash = to;
          return body;
        };
        return response;
      };
    },
    { path, to },
  );
}

describeBrowser('console sign-in lands where the person asked', () => {
  let browser: Browser;
  let relay: Relay;
  beforeAll(async () => {
    [browser, relay] = await Promise.all([launch(), startRelay()]);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
  });

  const hash = (page: Page) => page.evaluate(() => location.hash);

  it('opens a deep link followed while signed out once the person signs in', async () => {
    const owner = await userWithShop(relay, 'Deep link');
    const tab = await openConsole(browser, relay);
    const leads = `#/shops/${owner.shop.id}/leads`;
    await tab.goto(leads);
    await atPage(tab.page, 'Sign in to Touchpoint');
    await signIn(tab.page, owner.email, owner.password);
    await atPage(tab.page, 'Leads');
    expect(await hash(tab.page)).toBe(leads);
    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors)).toEqual([]);
    await tab.close();
  });

  // The landing (the last shop's Getting started) is decided in two moments: when the sign-in
  // is answered, and when the shops are listed after it. A click in either must win.
  it.each([
    ['the sign-in is being answered', '/api/auth/login/'],
    ['the landing page is loading', '/api/shop/shops/'],
  ])('keeps an address chosen while %s', async (_moment, answered) => {
    const owner = await userWithShop(relay, 'Fast click');
    const tab = await openConsole(browser, relay);
    const leads = `#/shops/${owner.shop.id}/leads`;
    await goWhenAnswered(tab.page, answered, leads);
    await tab.goto();
    await signIn(tab.page, owner.email, owner.password);
    await atPage(tab.page, 'Leads');
    expect(await hash(tab.page)).toBe(leads);
    expect(unexpected(tab.errors)).toEqual([]);
    await tab.close();
  });

  it('still lands on the shop when the person goes nowhere else', async () => {
    const owner = await userWithShop(relay, 'Landing');
    const tab = await openConsole(browser, relay);
    await tab.goto();
    await signIn(tab.page, owner.email, owner.password);
    await atPage(tab.page, 'Getting started');
    expect(await hash(tab.page)).toBe(`#/shops/${owner.shop.id}`);
    await tab.close();
  });
});
