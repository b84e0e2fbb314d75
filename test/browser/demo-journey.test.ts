import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_LOGIN, seedDemo } from '../../relay/demo/seed.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import {
  collectErrors,
  describeBrowser,
  launch,
  proxyTo,
  settled,
  startSite,
  type Browser,
  type Page,
  type Site,
} from './harness.js';

/** The sandbox inbox's chat list and messages (demo/inbox/), as a person reads them. */
const inbox = (page: Page) => ({
  chat: (name: RegExp) => page.locator('#conversation-list button', { hasText: name }),
  messages: () => page.locator('#messages li').allTextContents(),
});

/**
 * The demo as a newcomer clicks through it after `npm start`: the seeded demo shop's pages
 * (/demo/), the widget on them, the sandbox messenger's inbox (/demo/inbox/), the delivery
 * worker and the management API — all the real relay, with no outside account.
 */
describeBrowser('demo journey', () => {
  let browser: Browser;
  let relay: Relay;
  let site: Site;
  let sandboxBotId: number;
  let shopId: number;
  beforeAll(async () => {
    // The site in front of the relay gives it a public URL (the demo key's origin) up front.
    let relayUrl = '';
    site = await startSite(proxyTo(() => relayUrl));
    [browser, relay] = await Promise.all([
      launch(),
      startRelay({ demo: true, publicRateLimit: 0, publicUrl: site.url }),
    ]);
    relayUrl = relay.url;
    const seeded = await seedDemo(relay.stores);
    [sandboxBotId, shopId] = [seeded.sandboxBotId, seeded.shop.id];
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await relay?.close();
  });

  it('alerts the managers of a lead, and tells a subscribed buyer that the order moved', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const shop = await context.newPage();
    const errors = collectErrors(shop);
    await shop.addInitScript(() => {
      (window as any).__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });

    // 1. The contact form → the managers' alert in the inbox.
    await shop.goto(`${site.url}/demo/`);
    await shop.getByRole('link', { name: 'Contact', exact: true }).click();
    await settled(shop, 'tp-lead-form');
    const form = shop.locator('main tp-lead-form'); // the launcher's dialog holds another
    await form.locator('input[name=name]').fill('Dana Demo');
    await form.locator('input[name=phone]').fill('+1 212 555 0100');
    await form.locator('textarea[name=message]').fill('Which grind for a moka pot?');
    await form.locator('input[name=consent]').check();
    await shop.waitForTimeout(1600); // a person takes longer than the form's min_fill_ms
    await form.locator('button[type=submit]').click();
    await expect
      .poll(() => form.locator('[role=status]').textContent())
      .toBe('Thank you! We will be in touch soon.');

    const managers = await context.newPage();
    await managers.goto(`${site.url}/demo/inbox/?bot=${sandboxBotId}`);
    const managersInbox = inbox(managers);
    await managersInbox.chat(/Managers/).click({ timeout: 10_000 });
    await expect
      .poll(() => managersInbox.messages(), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(/New lead #\d+: callback.*Dana Demo.*\+12125550100/s));

    // 2. Buy → the order page → subscribe → Start in the inbox the deep link opens.
    await shop.getByRole('link', { name: 'Shop', exact: true }).click();
    await shop.getByRole('button', { name: 'Buy Morning Roast, 250 g' }).click();
    await shop.waitForURL(/\/demo\/order\/demo-[0-9a-f]+$/);
    const ref = shop.url().split('/').pop()!;
    await settled(shop, 'tp-subscribe');
    const subscribe = shop.locator('main tp-subscribe a[part~=link]');
    expect(await subscribe.textContent()).toBe('Subscribe in Demo Shop Bot');
    const [buyer] = await Promise.all([context.waitForEvent('page'), subscribe.click()]);
    await buyer.waitForLoadState();
    expect(new URL(buyer.url()).searchParams.get('start')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await expect.poll(() => buyer.locator('#start-token').inputValue()).toMatch(/.{22}/);
    await buyer.getByRole('button', { name: 'Start', exact: true }).click();
    await expect
      .poll(() => buyer.locator('#start-result').textContent())
      .toMatch(/^Subscribed, and linked/);

    // 3. The order's status changes through the API → the buyer's message in the inbox.
    const login = await relay.api.post('/api/auth/login/', DEMO_LOGIN);
    const token: string = login.body.result.token;
    const found = await relay.api.get(`/api/store/orders/?shop_id=${shopId}&external_id=${ref}`, {
      token,
    });
    const order = found.body.result.results[0];
    expect(order).toMatchObject({ external_id: ref, status: 'new', subscribers_count: 1 });
    const patched = await relay.api.patch(
      `/api/store/orders/${order.id}/?shop_id=${shopId}`,
      { status: 'shipped' },
      { token },
    );
    expect(patched.status).toBe(200);
    const buyerInbox = inbox(buyer);
    await expect
      .poll(() => buyerInbox.messages(), { timeout: 10_000 })
      .toContainEqual(
        expect.stringContaining(`Good news: order ${order.number} has shipped and is on its way.`),
      );

    // 4. The manager panel does the same from the browser.
    await shop.getByRole('link', { name: 'Manager', exact: true }).click();
    await shop.getByLabel(`Status of order #${order.number}`).selectOption('delivered');
    await shop
      .getByRole('row', { name: new RegExp(`#${order.number}`) })
      .getByRole('button', { name: 'Update' })
      .click();
    await shop.waitForURL(/\/demo\/manager$/);
    expect(await shop.getByLabel(`Status of order #${order.number}`).inputValue()).toBe(
      'delivered',
    );
    await expect
      .poll(() => buyerInbox.messages(), { timeout: 10_000 })
      .toContainEqual(
        expect.stringContaining(`Order ${order.number} has been delivered. Enjoy your coffee!`),
      );
    await expect
      .poll(() => managersInbox.messages(), { timeout: 10_000 })
      .toContainEqual(expect.stringContaining(`Order #${order.number}: shipped → delivered`));

    // The demo pages ran under their strict CSP without a single complaint.
    expect(await shop.evaluate(() => (window as any).__violations)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000); // the inbox polls every 1.5–3 s, as a person would refresh it
});
