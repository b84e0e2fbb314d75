import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  artifactPath,
  describeBrowser,
  launch,
  type Browser,
  type Page,
} from '../browser/harness.js';
import { atPage, axe, openConsole, signIn, unexpected } from './console.js';
import { startConsoleShop, type ConsoleShop } from './shop.js';

/** Every view of the console: its route, its heading, and something its data renders. */
const views = (s: ConsoleShop): { path: string; h1: string; ready: string; nav?: string }[] => [
  { path: '', h1: 'Getting started', ready: 'ol.steps >>> tpc-alert-groups li.group' },
  { path: 'leads', h1: 'Leads', ready: 'table' },
  { path: `leads/${s.leads.lead}`, h1: `Lead #${s.leads.lead}`, ready: 'dl.props' },
  { path: 'conversations', h1: 'Conversations', ready: '.people li' },
  { path: `conversations/${s.person.botUserId}`, h1: 'Conversations', ready: 'ol.chat' },
  { path: 'orders', h1: 'Orders', ready: 'table' },
  { path: `orders/${s.order.id}`, h1: 'Order #1001', ready: 'ol.history' },
  {
    path: 'orders/templates',
    h1: 'Messages to buyers',
    ready: 'tpc-order-templates >>> tpc-order-templates p.preview',
  },
  { path: 'forms', h1: 'Forms', ready: 'table' },
  { path: `forms/${s.form.id}`, h1: 'Edit form', ready: 'tpc-form-preview tp-lead-form' },
  { path: 'forms/new', h1: 'New form', ready: 'tpc-form-preview tp-lead-form' },
  { path: 'channels', h1: 'Channels', ready: 'ul.bots >>> tpc-alert-groups li.group' },
  { path: 'webhooks', h1: 'Webhooks and deliveries', ready: 'table', nav: 'Webhooks' },
  { path: 'keys', h1: 'Keys', ready: 'table' },
  { path: 'members', h1: 'Members', ready: 'table' },
];

/**
 * Waits for a view's data, through the page element's shadow root (and the preview's).
 * `a >>> b c`: `a` in the page, then `c` in the shadow root of the page's element `b`.
 */
async function ready(page: Page, selector: string) {
  await page.waitForFunction((sel) => {
    const main = document.querySelector('tpc-app')!.shadowRoot!.querySelector('main > *');
    const [first, nested] = sel.split(' >>> ');
    if (nested !== undefined) {
      const [host, ...inner] = nested.split(' ');
      const within = main?.shadowRoot?.querySelector(host)?.shadowRoot;
      return !!main?.shadowRoot?.querySelector(first) && !!within?.querySelector(inner.join(' '));
    }
    const [outer, inner] = sel.split(' tp-lead-form');
    const found = main?.shadowRoot?.querySelector(outer);
    if (inner === undefined) return !!found;
    // The widget's form has rendered its fields inside its own shadow root.
    const form = found?.shadowRoot?.querySelector('tp-lead-form');
    return !!form?.shadowRoot?.querySelector('input');
  }, selector);
}

describeBrowser('console accessibility', () => {
  let browser: Browser;
  let shop: ConsoleShop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startConsoleShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  for (const scheme of ['light', 'dark'] as const)
    it(
      `has no axe violations and no CSP violations on any page, ${scheme}`,
      { timeout: 90_000 },
      async () => {
        const tab = await openConsole(browser, shop.relay, { colorScheme: scheme });
        const { page } = tab;
        await tab.goto();
        await atPage(page, 'Sign in to Touchpoint');
        expect(await axe(page), 'sign-in').toEqual([]);
        await signIn(page, shop.owner.email, shop.owner.password);
        for (const view of views(shop)) {
          await tab.goto(`#/shops/${shop.shopId}/${view.path}`);
          await atPage(page, view.h1);
          await ready(page, view.ready);
          expect(await axe(page), view.path || 'start').toEqual([]);
          await page.screenshot({
            path: artifactPath(
              `console-${(view.path || 'start').replace(/\W+/g, '-')}-${scheme}.png`,
            ),
            fullPage: true,
          });
        }
        // With the API's errors showing next to their fields.
        await tab.goto(`#/shops/${shop.shopId}/forms/new`);
        await page.getByRole('button', { name: 'Save form' }).click();
        await page.locator('tpc-forms-page').getByRole('alert').waitFor();
        expect(await axe(page), 'form errors').toEqual([]);
        await tab.goto('#/shops/new');
        await atPage(page, 'New shop');
        expect(await axe(page), 'new shop').toEqual([]);

        expect(await tab.violations()).toEqual([]);
        expect(unexpected(tab.errors, [400])).toEqual([]);
        await tab.close();
      },
    );

  it(
    'is usable at 375 px: the menu opens the navigation, nothing scrolls sideways, axe-clean, a reply sent from a phone',
    { timeout: 60_000 },
    async () => {
      const tab = await openConsole(browser, shop.relay, {
        viewport: { width: 375, height: 740 },
        mobile: true,
      });
      const { page } = tab;
      await tab.goto();
      await signIn(page, shop.owner.email, shop.owner.password);
      await atPage(page, 'Getting started');
      const menu = page.getByRole('button', { name: 'Menu' });
      const nav = page.getByRole('navigation', { name: 'Console' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await nav.isVisible()).toBe(false);
      // Escape closes the open menu and hands the keyboard back to its button.
      await menu.click();
      await nav.getByRole('link', { name: 'Leads', exact: true }).focus();
      await page.keyboard.press('Escape');
      expect(await nav.isVisible()).toBe(false);
      expect(
        await menu.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el),
      ).toBe(true);
      for (const view of views(shop).filter((v) => !v.path.includes('/'))) {
        await menu.click();
        expect(await menu.getAttribute('aria-expanded')).toBe('true');
        await nav.getByRole('link', { name: view.nav ?? view.h1, exact: true }).click();
        await atPage(page, view.h1);
        await ready(page, view.ready);
        expect(await nav.isVisible(), 'the menu closes after navigating').toBe(false);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - innerWidth,
        );
        expect(overflow, `${view.h1} scrolls sideways`).toBeLessThanOrEqual(0);
        expect(await axe(page), `${view.h1} at 375 px`).toEqual([]);
        await page.screenshot({
          path: artifactPath(`console-${(view.path || 'start').replace(/\W+/g, '-')}-mobile.png`),
          fullPage: true,
        });
      }
      // A conversation at phone width: the chat alone, with a way back to the people; a reply
      // typed there reaches the person.
      await tab.goto(`#/shops/${shop.shopId}/conversations/${shop.person.botUserId}`);
      await ready(page, 'ol.chat');
      expect(await page.getByRole('search').isVisible()).toBe(false);
      await page.getByLabel('Reply').fill('Typed on a phone: yes, we ship to Riga.');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect
        .poll(() => shop.person.texts())
        .toContain('Typed on a phone: yes, we ship to Riga.');
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - innerWidth),
      ).toBeLessThanOrEqual(0);
      await page.getByRole('link', { name: '← All people' }).click();
      await page.getByRole('search').waitFor();
      expect(await axe(page)).toEqual([]);
      expect(await tab.violations()).toEqual([]);
      await tab.close();
    },
  );

  it('follows the system theme, and the toggle overrides it across reloads', async () => {
    const tab = await openConsole(browser, shop.relay, { colorScheme: 'dark' });
    const { page } = tab;
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await tab.goto();
    await atPage(page, 'Sign in to Touchpoint');
    expect(await background()).toBe('rgb(19, 20, 24)');
    await page.getByLabel('Theme').selectOption('light');
    expect(await background()).toBe('rgb(244, 245, 248)');
    await page.reload();
    await atPage(page, 'Sign in to Touchpoint');
    expect(await background()).toBe('rgb(244, 245, 248)');
    expect(await page.getByLabel('Theme').inputValue()).toBe('light');
    await tab.close();
  });

  it('speaks the browser’s language, and the switcher changes it everywhere', async () => {
    const tab = await openConsole(browser, shop.relay, { locale: 'ru-RU' });
    const { page } = tab;
    await tab.goto();
    await atPage(page, 'Вход в Touchpoint');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru');
    await page.getByLabel('Эл. почта').fill(shop.owner.email);
    await page.getByLabel('Пароль').fill(shop.owner.password);
    await page.getByRole('button', { name: 'Войти' }).click();
    await atPage(page, 'С чего начать');
    await page.getByText(/Сделано шагов: \d из 5/).waitFor();
    await tab.goto(`#/shops/${shop.shopId}/leads`);
    await atPage(page, 'Заявки');
    await page.getByText('1 заявка', { exact: true }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.getByLabel('Язык').selectOption('en');
    await atPage(page, 'Leads');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.getByRole('link', { name: 'Getting started' }).waitFor();
    expect(await tab.violations()).toEqual([]);
    await tab.close();
  });
});
