import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  artifactPath,
  describeBrowser,
  launch,
  settled,
  type Browser,
  type Page,
} from './harness.js';
import { startShop, type Shop } from './shop.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

type AxeResult = {
  violations: {
    id: string;
    impact: string;
    nodes: { target: unknown; failureSummary: string }[];
  }[];
};

/** axe-core over the whole page, shadow roots included (WCAG 2.x A and AA, and best practices). */
async function axe(page: Page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(() =>
    (window as any).axe.run(document, { resultTypes: ['violations'] }),
  )) as AxeResult;
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    nodes: v.nodes.map((n) => [n.target, n.failureSummary]),
  }));
}

/** Waits for the launcher dialog's opening animation: axe measures colours as painted. */
const animationsDone = (page: Page) =>
  page.evaluate(async () => {
    for (const el of document.querySelectorAll('tp-launcher'))
      await Promise.all(el.shadowRoot!.getAnimations().map((a) => a.finished));
  });

const ELEMENTS = {
  'lead-form': '<tp-lead-form form="callback"></tp-lead-form>',
  subscribe: '<tp-subscribe></tp-subscribe>',
  launcher: '<tp-launcher form="callback" channels="telegram,sandbox"></tp-launcher>',
} as const;

describeBrowser('accessibility', () => {
  let browser: Browser;
  let shop: Shop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    for (const [name, markup] of Object.entries(ELEMENTS)) {
      it(`has no axe violations: ${name}, ${scheme}`, async () => {
        const context = await browser.newContext({
          colorScheme: scheme,
          viewport: { width: 1024, height: 768 },
        });
        const page = await context.newPage();
        // The page follows the scheme too, as a real site's would, and says so in its
        // color-scheme, which the widget follows.
        const body = `<main><h1>Shop</h1>${markup}</main>`;
        const head = `<style>:root{color-scheme:light dark}body{font-family:sans-serif;background:${scheme === 'dark' ? '#111' : '#fff'};color:${scheme === 'dark' ? '#eee' : '#111'}}</style>`;
        await page.goto(shop.page({ body, head }));
        await settled(page);
        await page.waitForFunction(() => {
          const el = document.querySelector('tp-lead-form,tp-subscribe,tp-launcher')!;
          return el.shadowRoot!.querySelector('input,a,button');
        });
        expect(await axe(page)).toEqual([]);
        await page.screenshot({ path: artifactPath(`${name}-${scheme}.png`), fullPage: true });

        if (name === 'lead-form') {
          // With every error showing.
          await page.locator('tp-lead-form button[type=submit]').click();
          await page.locator('tp-lead-form [aria-invalid=true]').first().waitFor();
          expect(await axe(page)).toEqual([]);
          await page.screenshot({
            path: artifactPath(`${name}-${scheme}-errors.png`),
            fullPage: true,
          });
        }
        if (name === 'launcher') {
          await page.locator('tp-launcher button.launch').click();
          await page.locator('tp-launcher tp-lead-form input[name=email]').waitFor();
          await page.locator('tp-launcher tp-subscribe a').first().waitFor();
          await animationsDone(page);
          expect(await axe(page)).toEqual([]);
          await page.screenshot({ path: artifactPath(`${name}-${scheme}-open.png`) });
        }
        await context.close();
      });
    }
  }

  it('forces a theme with the theme attribute, whatever the system prefers', async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(
      shop.page({
        body: '<main><h1>Shop</h1><tp-lead-form form="newsletter" theme="dark"></tp-lead-form></main>',
      }),
    );
    await settled(page);
    await page.locator('tp-lead-form input').first().waitFor();
    const bg = await page
      .locator('tp-lead-form')
      .evaluate((el) => getComputedStyle(el.shadowRoot!.querySelector('.card')!).backgroundColor);
    expect(bg).toBe('rgb(28, 28, 33)');
    expect(await axe(page)).toEqual([]);
    await context.close();
  });

  it('saves each element at mobile width', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      hasTouch: true,
      isMobile: true,
    });
    const page = await context.newPage();
    for (const [name, markup] of Object.entries(ELEMENTS)) {
      await page.goto(shop.page({ body: `<main><h1>Shop</h1>${markup}</main>` }));
      await settled(page);
      await page.waitForFunction(() =>
        document
          .querySelector('tp-lead-form,tp-subscribe,tp-launcher')!
          .shadowRoot!.querySelector('input,a,button'),
      );
      if (name === 'launcher') {
        await page.locator('tp-launcher button.launch').click();
        await page.locator('tp-launcher tp-lead-form input[name=email]').waitFor();
        await animationsDone(page);
      }
      await page.screenshot({
        path: artifactPath(`${name}-mobile.png`),
        fullPage: name !== 'launcher',
      });
    }
    expect(await axe(page)).toEqual([]);
    await context.close();
  });
});
