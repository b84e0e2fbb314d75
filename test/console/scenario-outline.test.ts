import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  artifactPath,
  describeBrowser,
  launch,
  type Browser,
  type Page,
} from '../browser/harness.js';
import { axe, openConsole, signIn, unexpected } from './console.js';
import { CALLBACK, graphOf, saved } from './scenario.js';
import { startConsoleShop, type ConsoleShop } from './shop.js';

/** The focused element, through shadow roots: its kind and what a screen reader names it. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return '';
    const control = el as HTMLInputElement;
    const label =
      el.getAttribute('aria-label') ??
      (control.labels?.[0]?.textContent ?? el.textContent ?? '')
        .replace(/\s+/g, ' ')
        .replace(' *', '');
    return `${el.localName}:${label.trim()}`;
  });

/** Tabs (or shift-tabs) until the focused control is `name` (`button:Add step`…). */
async function tabTo(page: Page, name: string, back = false) {
  for (let i = 0; i < 250; i++) {
    if ((await focused(page)).endsWith(`:${name}`) || (await focused(page)) === name) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`never reached ${name}; at ${await focused(page)}`);
}

/** Picks an option of the focused select with the arrow keys, as a keyboard does. */
async function choose(page: Page, option: string) {
  const selected = () =>
    page.evaluate(() => {
      let el: Element | null = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return (el as HTMLSelectElement).selectedOptions[0]?.textContent?.trim() ?? '';
    });
  await page.keyboard.press('Home');
  for (let i = 0; i < 30 && (await selected()) !== option; i++)
    await page.keyboard.press('ArrowDown');
  expect(await selected()).toBe(option);
}

/** Replaces the focused field's text by typing. */
async function retype(page: Page, text: string) {
  await page.keyboard.press('Control+a');
  await page.keyboard.type(text);
}

describeBrowser('scenario editor: the outline', () => {
  let browser: Browser;
  let shop: ConsoleShop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startConsoleShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  const emptyFlow = async (name: string) => {
    const r = await shop.relay.api.post(
      '/api/bot/flows/',
      { shop_id: shop.shopId, bot_id: shop.bot.id, name },
      { token: shop.owner.token },
    );
    expect(r.status).toBe(201);
    return r.body.result.id as number;
  };

  it('builds "request a call back" with the keyboard alone', { timeout: 120_000 }, async () => {
    const flowId = await emptyFlow('Keyboard call back');
    const tab = await openConsole(browser, shop.relay);
    const { page } = tab;
    await tab.goto();
    await signIn(page, shop.owner.email, shop.owner.password);
    await tab.goto(`#/shops/${shop.shopId}/scenarios/${flowId}?view=outline`);
    await page.getByText('No steps yet.').waitFor();
    // From here on, only keys.

    // 1. The greeting.
    await tabTo(page, 'select:New step');
    await tabTo(page, 'button:Add step');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('textarea:Text');
    await retype(page, 'Hi! Shall we call you back?');

    // 2. The question, with phone validation.
    await tabTo(page, 'select:New step');
    await choose(page, 'Question');
    await tabTo(page, 'button:Add step');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('textarea:Text');
    await retype(page, 'Your phone number?');
    await tabTo(page, 'input:Save the answer as');
    await retype(page, 'phone');
    await tabTo(page, 'select:The answer must be');
    await choose(page, 'A phone number');
    await tabTo(page, 'input:When the answer is not accepted, say');
    await page.keyboard.type('Please send a phone number.');

    // 3. The lead (the shop's form is chosen already).
    await tabTo(page, 'select:New step');
    await choose(page, 'Lead');
    await tabTo(page, 'button:Add step');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('textarea:Text (optional)');
    await page.keyboard.type('Thanks! We will call you.');

    // The question goes on to the lead.
    await tabTo(page, 'button:Edit step 2', true);
    await page.keyboard.press('Enter');
    await tabTo(page, 'select:Then go to');
    await choose(page, '3. Lead: Thanks! We will call you.');

    // Two buttons on the greeting.
    await tabTo(page, 'button:Edit step 1', true);
    await page.keyboard.press('Enter');
    await tabTo(page, 'button:Add a button');
    await page.keyboard.press('Enter');
    await tabTo(page, 'input:Label', true);
    await retype(page, 'Call me back');
    await tabTo(page, 'select:Step');
    await choose(page, '2. Question: Your phone number?');
    await tabTo(page, 'button:Add a button');
    await page.keyboard.press('Enter');
    await tabTo(page, 'input:Label', true);
    await retype(page, 'Our prices');
    await tabTo(page, 'select:Pressing it');
    await choose(page, 'opens a link');
    await tabTo(page, 'input:Link');
    await retype(page, 'https://shop.example/prices');

    await saved(page);
    expect(await graphOf(shop, flowId)).toEqual(CALLBACK(shop.form.id));
    // The outline reads as the flow: numbered steps and where each way leads.
    const outline = page.locator('tpc-flow-outline ol.outline');
    expect(
      (await outline.locator(':scope > li').first().textContent())!.replace(/\s+/g, ' '),
    ).toContain('Button “Call me back”: step 2, Question: Your phone number?');
    expect(await axe(page)).toEqual([]);
    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors, [400])).toEqual([]);
    await tab.close();
  });

  it(
    'is the editor at 375 px: the outline, nothing wider than the screen, every edit by touch',
    { timeout: 60_000 },
    async () => {
      const flowId = await emptyFlow('Phone edit');
      const tab = await openConsole(browser, shop.relay, {
        viewport: { width: 375, height: 740 },
        mobile: true,
      });
      const { page } = tab;
      await tab.goto();
      await signIn(page, shop.owner.email, shop.owner.password);
      await tab.goto(`#/shops/${shop.shopId}/scenarios/${flowId}`);
      // At phone width the editor opens on the outline.
      await page.getByText('No steps yet.').waitFor();
      expect(await page.getByRole('button', { name: 'Outline' }).getAttribute('aria-pressed')).toBe(
        'true',
      );
      await page.getByRole('button', { name: 'Add step' }).tap();
      const form = page.locator('tpc-flow-outline tpc-step-form');
      await form.getByLabel('Text', { exact: true }).fill('Hello from a phone');
      await form.getByRole('button', { name: 'Add a button' }).tap();
      await form.getByLabel('Label').fill('Visit us');
      await form.getByLabel('Pressing it').selectOption('url');
      await form.getByLabel('Link').fill('https://shop.example/');
      await saved(page);
      const graph = await graphOf(shop, flowId);
      expect(graph.steps).toMatchObject([
        {
          type: 'message',
          text: 'Hello from a phone',
          buttons: [['Visit us', 'https://shop.example/']],
        },
      ]);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(wide).toBeLessThanOrEqual(375);
      await page.screenshot({ path: artifactPath('scenario-outline-375.png'), fullPage: true });
      expect(await axe(page)).toEqual([]);
      expect(await tab.violations()).toEqual([]);
      await tab.close();
    },
  );

  it('speaks Russian', { timeout: 60_000 }, async () => {
    const flowId = await emptyFlow('По-русски');
    const tab = await openConsole(browser, shop.relay, { locale: 'ru-RU' });
    const { page } = tab;
    await tab.goto();
    await page.getByLabel('Эл. почта').fill(shop.owner.email);
    await page.getByLabel('Пароль').fill(shop.owner.password);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.locator('tpc-app nav#panel').waitFor({ state: 'attached' });
    await tab.goto(`#/shops/${shop.shopId}/scenarios`);
    await page.getByRole('heading', { level: 1, name: 'Сценарии' }).waitFor();
    await tab.goto(`#/shops/${shop.shopId}/scenarios/${flowId}?view=outline`);
    await page.getByRole('heading', { level: 1, name: 'Редактор сценария' }).waitFor();
    await page.getByRole('button', { name: 'Добавить шаг' }).click();
    await page
      .locator('tpc-flow-outline tpc-step-form')
      .getByLabel('Текст', { exact: true })
      .waitFor();
    await page.getByText('Сохранено', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Холст' }).count()).toBe(1);
    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors)).toEqual([]);
    await tab.close();
  });
});
