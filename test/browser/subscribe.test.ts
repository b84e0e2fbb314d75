import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashToken } from '../../relay/auth/secrets.js';
import { clearPublicCaches } from '../../relay/public/cache.js';
import { artifactPath, describeBrowser, launch, settled, type Browser } from './harness.js';
import { startShop, type Shop } from './shop.js';

describeBrowser('subscribe buttons', () => {
  let browser: Browser;
  let shop: Shop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  it('renders one real link per connected bot of the chosen channels', async () => {
    const page = await browser.newPage();
    await page.goto(
      shop.page({
        body: '<tp-subscribe channels="telegram"></tp-subscribe><tp-subscribe id="all"></tp-subscribe>',
      }),
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
    const before = (await shop.optins()).length;
    const sent: unknown[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/public/v1/optins'))
        sent.push(JSON.parse(r.postData()!));
    });
    // The buyer's order page carries the order's optin_ref (its number A-100 would be refused).
    const ref = shop.order.optin_ref;
    await page.goto(
      shop.page({ body: `<tp-subscribe channels="sandbox" order-ref="${ref}"></tp-subscribe>` }),
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
    // The deep link leads to the sandbox messenger's inbox of this relay.
    expect(urls[0].startsWith(`${shop.site.url}/demo/inbox/?bot=${shop.bots.sandbox}&`)).toBe(true);
    // Each click stored a new token (its hash), for the sandbox bot and order A-100.
    const stored = (await shop.optins()).slice(before);
    expect(stored.map((o) => o.token_hash)).toEqual(tokens.map((t) => hashToken(t!)));
    expect(stored[1]).toMatchObject({ bot_id: shop.bots.sandbox, order_id: shop.order.id });
    expect(sent[1]).toMatchObject({ key: shop.pk, bot_id: shop.bots.sandbox, order_ref: ref });
    expect(await page.evaluate(() => (window as any).__optin)).toMatchObject({
      bot_id: shop.bots.sandbox,
      bot_type: 'sandbox',
      token: tokens[1],
      url: urls[1],
    });
    expect(await page.locator('tp-subscribe a[part=copy-link]').getAttribute('href')).toBe(urls[1]);
    await context.close();
  });

  it('reports a failed opt-in and keeps the link usable', async () => {
    const page = await browser.newPage();
    await page.goto(shop.page({ body: '<tp-subscribe channels="sandbox"></tp-subscribe>' }));
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

  it('shows WhatsApp with its mark and real number, and opens WhatsApp Web on a desktop', async () => {
    const wa = await shop.relay.stores.bots.create({
      shop_id: shop.shopId,
      bot_type: 'whatsapp',
      name: 'Shop WhatsApp',
      credential: null,
      tg_bot_nickname: null,
      settings: { phone_number: '+15550101234', phone_number_id: '106540352242922' },
    });
    clearPublicCaches();
    const context = await browser.newContext();
    // WhatsApp Web is outside the machine: the popup gets a stand-in page at its real address.
    await context.route('https://web.whatsapp.com/**', (r) =>
      r.fulfill({ status: 200, contentType: 'text/html', body: '<title>WhatsApp Web</title>' }),
    );
    try {
      const page = await context.newPage();
      await page.goto(
        shop.page({ body: '<tp-subscribe channels="telegram,whatsapp"></tp-subscribe>' }),
      );
      await settled(page);
      const link = page.locator('tp-subscribe a[part~=link-whatsapp]');
      await link.waitFor();
      // Without JavaScript the link opens a chat with the shop's real number.
      expect(await link.getAttribute('href')).toBe('https://wa.me/15550101234');
      expect(await link.locator('[part=handle]').textContent()).toBe('+1 555 010 1234');
      expect(await link.textContent()).toBe('Subscribe in WhatsApp+1 555 010 1234');
      // Both messengers show their mark, drawn in the button's text colour, hidden from readers.
      const marks = await page.locator('tp-subscribe a[part~=link] svg').evaluateAll((svgs) =>
        svgs.map((svg) => ({
          hidden: svg.getAttribute('aria-hidden'),
          d: svg.querySelector('path')!.getAttribute('d'),
          width: svg.getBoundingClientRect().width,
          fill: getComputedStyle(svg).fill,
          color: getComputedStyle(svg.closest('a')!).color,
        })),
      );
      expect(marks).toHaveLength(2);
      for (const m of marks) {
        expect(m).toMatchObject({ hidden: 'true', d: expect.stringMatching(/^M[\d .a-zA-Z-]+$/) });
        expect(m.width).toBeGreaterThan(15);
        expect(m.fill).toBe(m.color);
      }
      expect(marks[0].d).not.toBe(marks[1].d);
      await page
        .locator('tp-subscribe')
        .screenshot({ path: artifactPath('subscribe-whatsapp.png') });

      const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await popup.waitForLoadState();
      const web = new URL(popup.url());
      expect(`${web.origin}${web.pathname}`).toBe('https://web.whatsapp.com/send');
      expect(web.searchParams.get('phone')).toBe('15550101234');
      const token = /([A-Za-z0-9_-]{22})$/.exec(web.searchParams.get('text')!)![1];
      // The phone's link, to copy, carries the same token.
      const copy = await page.locator('tp-subscribe a[part=copy-link]').getAttribute('href');
      expect(new URL(copy!).origin + new URL(copy!).pathname).toBe('https://wa.me/15550101234');
      expect(new URL(copy!).searchParams.get('text')).toContain(token);
    } finally {
      await context.close();
      await shop.relay.stores.bots.delete(wa.id);
      clearPublicCaches();
    }
  });
});
