import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { clearPublicCaches } from '../../relay/public/cache.js';
import {
  describeBrowser,
  doc,
  launch,
  settled,
  startSite,
  type Browser,
  type Page,
  type Site,
} from './harness.js';
import { startShop, type Shop } from './shop.js';

/** All three elements, as a shop's contact page would hold them. */
const BODY = `<main><h1>Contact</h1>
  <tp-lead-form id="a" form="callback"></tp-lead-form>
  <tp-lead-form id="b" form="newsletter"></tp-lead-form>
  <tp-subscribe></tp-subscribe>
  <tp-launcher form="callback" channels="sandbox"></tp-launcher>
</main>`;

/**
 * A widget that cannot work says why to the developer (the relay's sentence, once, in the
 * console) and shows visitors only a neutral line: never "No messengers yet" or a relay
 * error meant for the site's developer.
 */
describeBrowser('a widget that explains itself', () => {
  let browser: Browser;
  let shop: Shop;
  /** Another website: an origin the shop's key does not allow. */
  let stranger: Site;
  let page: Page;
  let warnings: string[];
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
    stranger = await startSite();
  });
  afterAll(async () => {
    await browser?.close();
    await stranger?.close();
    await shop?.close();
  });
  beforeEach(async (ctx) => {
    page = await browser.newPage();
    ctx.onTestFinished(() => page.close());
    warnings = [];
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
  });

  /** What a visitor reads on the page, shadow roots included. */
  const visible = () =>
    page.evaluate(() => {
      const text = (root: Document | ShadowRoot): string =>
        [...root.querySelectorAll('*')]
          .map((el) =>
            el.shadowRoot
              ? text(el.shadowRoot)
              : el.children.length === 0 && el.getClientRects().length > 0
                ? el.textContent!.trim()
                : '',
          )
          .filter(Boolean)
          .join(' | ');
      return text(document);
    });
  const formText = (id: string) =>
    page.locator(`tp-lead-form#${id} .card`).evaluate((el) => (el as HTMLElement).innerText);
  /** The elements have rendered what they will: the config was answered, one way or the other. */
  const done = async () => {
    await settled(page);
    await expect.poll(() => formText('a')).not.toBe('Loading…');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
  };

  it('names the website the key does not allow, and shows visitors a neutral line', async () => {
    // The widget from the relay's own origin, as most sites embed it: its calls carry the
    // page's Origin (a same-origin GET would carry none, and be let through).
    const script = `<script async src="${shop.relay.url}/widget/touchpoint.js" data-key="${shop.pk}"></script>`;
    await page.goto(stranger.page(doc({ body: BODY, script })));
    await done();
    const sentence = `This website (${stranger.url}) may not use this key: add its origin to the key’s allowed_origins.`;
    await expect.poll(() => warnings).toEqual([`Touchpoint: ${sentence}`]);
    expect(await formText('a')).toBe('This form is unavailable.');
    expect(await formText('b')).toBe('This form is unavailable.');
    // No subscribe card, no floating button: nothing a visitor could press in vain.
    expect(await page.locator('tp-subscribe .card').count()).toBe(0);
    expect(await page.locator('tp-launcher button').count()).toBe(0);
    expect(await visible()).toBe('Contact | This form is unavailable. | This form is unavailable.');
    // One refusal for the whole page: the elements share the loader's config request.
    expect(shop.relay.logs.filter((l) => l.includes(`origin="${stranger.url}"`))).toEqual([
      expect.stringMatching(/^touchpoint: refused GET "\/public\/v1\/config" 403 /),
    ]);
  });

  it('says a key was revoked', async () => {
    const key = await shop.relay.stores.keys.create({
      shop_id: shop.shopId,
      kind: 'publishable',
      allowed_origins: [shop.site.url],
    });
    await shop.relay.stores.keys.delete(key.id);
    clearPublicCaches();
    await page.goto(shop.site.page(doc({ key: key.key, body: BODY })));
    await done();
    await expect
      .poll(() => warnings)
      .toEqual(['Touchpoint: This publishable key is not valid or was revoked.']);
    expect(await visible()).toBe('Contact | This form is unavailable. | This form is unavailable.');
  });

  it('says which forms the shop has when the page names another', async () => {
    await page.goto(
      shop.page({
        body: '<main><h1>Contact</h1><tp-lead-form id="a" form="calback"></tp-lead-form></main>',
      }),
    );
    await done();
    await expect
      .poll(() => warnings)
      .toEqual(['Touchpoint: This shop has no form "calback" (its forms: callback, newsletter).']);
    expect(await formText('a')).toBe('This form is unavailable.');
  });

  it('never shows a subscribe card without a messenger to offer', async () => {
    await page.goto(
      shop.page({
        body: '<main><h1>Follow us</h1><tp-subscribe channels="viber"></tp-subscribe></main>',
      }),
    );
    await settled(page);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
    expect(await page.locator('tp-subscribe .card').count()).toBe(0);
    expect(
      await page.locator('tp-subscribe').evaluate((el) => el.getBoundingClientRect().height),
    ).toBe(0);
    expect(await visible()).toBe('Follow us');
    expect(warnings).toEqual([]);
  });

  it('keeps the relay’s refusal of a lead for the console, and tells the visitor it failed', async () => {
    await page.goto(shop.page({ body: '<tp-lead-form form="newsletter"></tp-lead-form>' }));
    await settled(page);
    await page.locator('tp-lead-form input[name=email]').fill('ann@example.com');
    // The shop revokes the page's key while the visitor is typing.
    await page.route('**/public/v1/leads', (route) =>
      route.continue({
        postData: JSON.stringify({ ...JSON.parse(route.request().postData()!), key: 'pk_gone' }),
      }),
    );
    await page.locator('tp-lead-form button[type=submit]').click();
    const status = page.locator('tp-lead-form [role=status]');
    await expect.poll(() => status.textContent()).toBe('Could not send. Please try again.');
    expect(warnings).toEqual(['Touchpoint: This publishable key is not valid or was revoked.']);
  });
});
