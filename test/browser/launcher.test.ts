import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, settled, type Browser, type Page } from './harness.js';
import { startShop, type Shop } from './shop.js';

const dialogOpen = (page: Page) =>
  page.$eval('tp-launcher', (el) => el.shadowRoot!.querySelector('dialog')!.open);

/** The element that has focus, looking into shadow roots: "tp-launcher > button.launch". */
const focused = (page: Page) =>
  page.evaluate(() => {
    let el = document.activeElement;
    const path: string[] = [];
    while (el) {
      path.push(
        el.localName +
          (el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '') +
          (el.classList.contains('launch') ? '.launch' : ''),
      );
      el = el.shadowRoot?.activeElement ?? null;
    }
    return path.join(' > ');
  });

describeBrowser('launcher', () => {
  let browser: Browser;
  let shop: Shop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  it('is completed with the keyboard alone: open, fill, send, Esc, focus back on the button', async () => {
    const page = await browser.newPage();
    await page.goto(
      shop.page({
        body: '<a href="#top">Skip</a><tp-launcher form="newsletter" channels="telegram"></tp-launcher>',
      }),
    );
    await settled(page);
    const button = page.locator('tp-launcher button.launch');
    expect(await button.getAttribute('aria-haspopup')).toBe('dialog');
    expect(await button.textContent()).toBe('Contact us');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('tp-launcher > button.launch');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialogOpen(page)).toBe(true);
    // Tab moves through the dialog only (showModal makes the rest of the page inert).
    const stops = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      stops.add(await focused(page));
    }
    // 'body': focus passes through the browser's own UI between the last and first stops.
    for (const stop of stops)
      expect(stop.startsWith('tp-launcher > ') || stop === 'body').toBe(true);
    expect(stops).toContain('tp-launcher > tp-lead-form > input[name=email]');
    while ((await focused(page)) !== 'tp-launcher > tp-lead-form > input[name=email]')
      await page.keyboard.press('Tab');
    await page.keyboard.type('keys@example.com');
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => (await shop.leads()).filter((l) => l.fields.email === 'keys@example.com'))
      .toHaveLength(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogOpen(page)).toBe(false);
    expect(await focused(page)).toBe('tp-launcher > button.launch');
    await page.close();
  });

  it('opens by itself after a delay, once; dismissed, it stays closed for the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const url = shop.page({ body: '<tp-launcher form="newsletter" delay="300"></tp-launcher>' });
    await page.goto(url);
    await settled(page);
    await expect.poll(() => dialogOpen(page)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogOpen(page)).toBe(false);
    await page.reload();
    await settled(page);
    await page.waitForTimeout(800);
    expect(await dialogOpen(page)).toBe(false);
    await context.close();
  });

  it('opens on scroll and on exit intent when asked to', async () => {
    const page = await browser.newPage();
    await page.goto(
      shop.page({
        body: '<div style="height:3000px"></div><tp-launcher form="newsletter" scroll="50"></tp-launcher>',
      }),
    );
    await settled(page);
    await page.waitForTimeout(200);
    expect(await dialogOpen(page)).toBe(false);
    await page.mouse.wheel(0, 2000);
    await expect.poll(() => dialogOpen(page)).toBe(true);
    await page.goto(shop.page({ body: '<tp-launcher form="callback" exit-intent></tp-launcher>' }));
    await settled(page);
    await page.mouse.move(300, 200);
    await page.mouse.move(300, -5);
    await page.evaluate(() =>
      document.dispatchEvent(
        new MouseEvent('mouseout', { clientY: -1, relatedTarget: null, bubbles: true }),
      ),
    );
    await expect.poll(() => dialogOpen(page)).toBe(true);
    await page.close();
  });

  it('takes its position and z-index from attributes', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(
      shop.page({
        body: '<tp-launcher form="callback" position="top-left" z-index="77"></tp-launcher>',
      }),
    );
    await settled(page);
    await page.waitForFunction(
      () =>
        getComputedStyle(
          document.querySelector('tp-launcher')!.shadowRoot!.querySelector('.launch')!,
        ).zIndex === '77',
    );
    const box = await page.locator('tp-launcher button.launch').boundingBox();
    expect(box!.x).toBeLessThan(40);
    expect(box!.y).toBeLessThan(40);
    await page.close();
  });
});
