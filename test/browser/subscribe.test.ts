import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakePublicApi, type FakeApi } from './fake-api.js';
import {
  describeBrowser,
  doc,
  launch,
  settled,
  startSite,
  type Browser,
  type Site,
} from './harness.js';

describeBrowser('subscribe buttons', () => {
  let browser: Browser;
  let site: Site;
  let api: FakeApi;
  beforeAll(async () => {
    api = fakePublicApi();
    [browser, site] = await Promise.all([launch(), startSite(api)]);
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('renders one real link per connected bot of the chosen channels', async () => {
    const page = await browser.newPage();
    await page.goto(
      site.page(
        doc({
          body: '<tp-subscribe channels="telegram"></tp-subscribe><tp-subscribe id="all"></tp-subscribe>',
        }),
      ),
    );
    await settled(page);
    const links = page.locator('tp-subscribe:not(#all) a[part~=link]');
    await links.first().waitFor();
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute('href')).toBe('https://t.me/demo_shop_bot');
    expect(await links.textContent()).toBe('Subscribe in Telegram');
    expect(await page.locator('#all a[part~=link]').count()).toBe(2);
    await page.close();
  });

  it('opens the deep link with a fresh token on every click, and shows it to copy on a desktop', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(
      site.page(
        doc({ body: '<tp-subscribe channels="sandbox" order-ref="A-100"></tp-subscribe>' }),
      ),
    );
    await settled(page);
    await page.evaluate(() =>
      document.addEventListener(
        'tp-optin',
        (e) => ((window as any).__optin = (e as CustomEvent).detail),
      ),
    );
    const link = page.locator('tp-subscribe a[part~=link]');
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await popup.waitForLoadState();
      urls.push(popup.url());
      await popup.close();
    }
    const tokens = urls.map((u) => new URL(u).searchParams.get('start'));
    expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tokens[1]).not.toBe(tokens[0]);
    expect(api.optins.map((o) => o.token)).toEqual(tokens);
    expect(api.optins[1]).toMatchObject({ key: 'pk_test', bot_id: 2, order_ref: 'A-100' });
    expect(await page.evaluate(() => (window as any).__optin)).toMatchObject({
      bot_id: 2,
      bot_type: 'sandbox',
      token: tokens[1],
      url: urls[1],
    });
    expect(await page.locator('tp-subscribe a[part=copy-link]').getAttribute('href')).toBe(urls[1]);
    await context.close();
  });

  it('reports a failed opt-in and keeps the link usable', async () => {
    const page = await browser.newPage();
    await page.goto(site.page(doc({ body: '<tp-subscribe channels="sandbox"></tp-subscribe>' })));
    await settled(page);
    await page.route('**/public/v1/optins', (r) =>
      r.fulfill({
        status: 403,
        contentType: 'application/json',
        body: '{"status":"error","errors":{"common":"Origin not allowed."}}',
      }),
    );
    await page.evaluate(() =>
      document.addEventListener(
        'tp-error',
        (e) => ((window as any).__error = (e as CustomEvent).detail),
      ),
    );
    await page.locator('tp-subscribe a[part~=link]').click();
    await expect
      .poll(() => page.evaluate(() => (window as any).__error))
      .toMatchObject({ source: 'optin', status: 403 });
    expect(await page.locator('tp-subscribe [role=status]').textContent()).toBe(
      'Could not get the link. Please try again.',
    );
    await page.close();
  });
});
