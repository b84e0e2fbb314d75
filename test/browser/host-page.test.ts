import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, settled, type Browser, type Page } from './harness.js';
import { startShop, type Shop } from './shop.js';

/** The palettes' card backgrounds (`--tp-bg`, `--tp-bg-dark` unset). */
const LIGHT = 'rgb(255, 255, 255)';
const DARK = 'rgb(28, 28, 33)';

const ALL = `<main><h1>Contact</h1>
  <tp-lead-form form="callback"></tp-lead-form>
  <tp-subscribe></tp-subscribe>
  <tp-launcher form="callback" channels="sandbox"></tp-launcher>
</main>`;

/** The widget takes its cues from the page it is on: writing direction and colour scheme. */
describeBrowser('the host page', () => {
  let browser: Browser;
  let shop: Shop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  const ready = async (page: Page) => {
    await settled(page);
    await page.locator('tp-lead-form input[name=email]').first().waitFor();
    await page.locator('tp-subscribe a').first().waitFor();
  };
  /** The card background of each element (the launcher's: of the form in its dialog). */
  const cards = (page: Page) =>
    page.evaluate(() => {
      const bg = (root: ParentNode | null | undefined) =>
        getComputedStyle(root!.querySelector('.card')!).backgroundColor;
      const launcher = document.querySelector('tp-launcher')!.shadowRoot!;
      return {
        form: bg(document.querySelector('tp-lead-form')!.shadowRoot),
        subscribe: bg(document.querySelector('tp-subscribe')!.shadowRoot),
        launcher: getComputedStyle(launcher.querySelector('dialog')!).backgroundColor,
        launcherForm: bg(launcher.querySelector('tp-lead-form')!.shadowRoot),
      };
    });
  const all = (bg: string) => ({ form: bg, subscribe: bg, launcher: bg, launcherForm: bg });

  it('adds no horizontal scroll to a right-to-left page', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await page.goto(shop.page({ lang: 'ar', dir: 'rtl', body: ALL }));
    await ready(page);
    const overflow = () =>
      page.evaluate(() => {
        const s = document.scrollingElement!;
        return { scrollWidth: s.scrollWidth, clientWidth: s.clientWidth };
      });
    const before = await overflow();
    expect(before.scrollWidth).toBeLessThanOrEqual(before.clientWidth);
    // Nor with the launcher's dialog open (its form has a honeypot too).
    await page.locator('tp-launcher button.launch').click();
    await page.locator('tp-launcher tp-lead-form input[name=email]').waitFor();
    const open = await overflow();
    expect(open.scrollWidth).toBeLessThanOrEqual(open.clientWidth);
    // The honeypot is still a field of the form, for bots, but no person reaches it.
    const hp = await page.evaluate(() => {
      const input = document
        .querySelector('tp-lead-form')!
        .shadowRoot!.querySelector<HTMLInputElement>('input[name=hp]')!;
      const box = input.parentElement!.getBoundingClientRect();
      return {
        inForm: input.form !== null,
        tabIndex: input.tabIndex,
        hidden: input.parentElement!.getAttribute('aria-hidden'),
        area: box.width * box.height,
      };
    });
    expect(hp).toEqual({ inForm: true, tabIndex: -1, hidden: 'true', area: 1 });
    await page.close();
  });

  it('shows a light card on a page that declares no colour scheme, whatever the system', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(shop.page({ body: ALL }));
    await ready(page);
    expect(await cards(page)).toEqual(all(LIGHT));
    await context.close();
  });

  it('follows the system with theme="auto", also when it changes', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(shop.page({ body: ALL.replace(/<tp-[a-z-]+/g, '$& theme="auto"') }));
    await ready(page);
    expect(await cards(page)).toEqual(all(DARK));
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => cards(page)).toEqual(all(LIGHT));
    await context.close();
  });

  it("follows the page's color-scheme: its root's, else its meta tag", async () => {
    for (const [system, head, expected] of [
      ['dark', '<style>:root{color-scheme:dark}</style>', DARK],
      ['light', '<style>:root{color-scheme:dark}</style>', DARK], // a dark-only site
      ['dark', '<meta name="color-scheme" content="dark">', DARK],
      ['light', '<meta name="color-scheme" content="only dark">', DARK],
      ['dark', '<style>:root{color-scheme:light dark}</style>', DARK], // both: the system's
      ['light', '<style>:root{color-scheme:light dark}</style>', LIGHT],
      ['dark', '<meta name="color-scheme" content="dark light">', DARK],
      ['dark', '<style>:root{color-scheme:light}</style>', LIGHT],
      ['dark', '<meta name="color-scheme" content="light">', LIGHT],
    ] as const) {
      const context = await browser.newContext({ colorScheme: system });
      const page = await context.newPage();
      await page.goto(shop.page({ head, body: ALL }));
      await ready(page);
      expect(await cards(page), `${system} system, ${head}`).toEqual(all(expected));
      await context.close();
    }
  });

  it("follows a site's own dark-mode switch", async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    const head = '<style>:root.dark{color-scheme:dark}</style>';
    await page.goto(shop.page({ head, body: ALL }));
    await ready(page);
    expect(await cards(page)).toEqual(all(LIGHT));
    await page.evaluate(() => document.documentElement.classList.add('dark'));
    await expect.poll(() => cards(page)).toEqual(all(DARK));
    await context.close();
  });

  it('lets theme="light" or "dark" force a palette', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    const head = '<style>:root{color-scheme:dark}</style>';
    await page.goto(shop.page({ head, body: ALL.replace(/<tp-[a-z-]+/g, '$& theme="light"') }));
    await ready(page);
    expect(await cards(page)).toEqual(all(LIGHT));
    await page.evaluate(() =>
      document.querySelectorAll('[theme]').forEach((el) => el.setAttribute('theme', 'dark')),
    );
    await expect.poll(() => cards(page)).toEqual(all(DARK));
    await context.close();
  });
});
