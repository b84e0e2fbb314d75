import { afterAll, beforeAll, expect, it } from 'vitest';
import { artifactPath, describeBrowser, launch, type Browser } from '../browser/harness.js';
import { buildFlow } from '../helpers/flows.js';
import { axe, openConsole, signIn, unexpected } from './console.js';
import { card, connect, panel, pick, saved } from './scenario.js';
import { startConsoleShop, type ConsoleShop } from './shop.js';

/**
 * The scenario editor with axe (WCAG 2.x A and AA, best practices) and the console's CSP,
 * light and dark: the list, the canvas with a step open, a refusal on a card and the Try
 * panel, and the outline with a step's form open.
 */
describeBrowser('scenario editor accessibility', () => {
  let browser: Browser;
  let shop: ConsoleShop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startConsoleShop()]);
    const custom = await shop.relay.api.post(
      '/api/store/custom_fields/',
      { shop_id: shop.shopId, name: 'city' },
      { token: shop.owner.token },
    );
    expect(custom.status).toBe(201);
  });

  /** A flow with a step of every type, laid out in two rows. */
  const everything = async (name: string) => {
    const built = await buildFlow(
      shop.relay.api,
      { token: shop.owner.token, shopId: shop.shopId, botId: shop.bot.id },
      [
        {
          key: 'Greeting',
          type: 'message',
          text: 'Hi {{name}}! Shall we call you back?',
          buttons: [
            { title: 'Call me back', to: 'Phone' },
            { title: 'Prices', url: 'https://shop.example/prices' },
          ],
        },
        {
          key: 'Phone',
          type: 'question',
          text: 'Your phone?',
          variable: 'phone',
          validate: 'phone',
          next: 'Lead',
        },
        { key: 'Lead', type: 'lead', form: shop.form.id, text: 'Thanks!', next: 'Wait' },
        { key: 'Wait', type: 'delay', delay_seconds: 3600, next: 'Budget' },
        {
          key: 'Budget',
          type: 'condition',
          condition: { variable: 'budget', equals: 'big', then: 'Vip', else: 'Bye' },
        },
        {
          key: 'Vip',
          type: 'action',
          action: { set_var: { name: 'vip', value: 'yes' } },
          next: 'Bye',
        },
        { key: 'Bye', type: 'message', text: 'Bye {{city}}' },
        { key: 'Loose', type: 'message', text: 'Nothing leads here' },
      ],
      { name },
    );
    for (const [i, id] of Object.values(built.steps).entries()) {
      const r = await shop.relay.api.patch(
        `/api/bot/steps/${id}/`,
        { shop_id: shop.shopId, ui: { x: (i % 4) * 280, y: Math.floor(i / 4) * 280 } },
        { token: shop.owner.token },
      );
      expect(r.status).toBe(200);
    }
    return built.flowId;
  };
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  for (const scheme of ['light', 'dark'] as const)
    it(
      `has no axe or CSP violations on the list, the canvas and the outline, ${scheme}`,
      { timeout: 90_000 },
      async () => {
        const tab = await openConsole(browser, shop.relay, { colorScheme: scheme });
        const { page } = tab;
        await tab.goto();
        await signIn(page, shop.owner.email, shop.owner.password);
        const name = `Everything ${scheme}`;
        await everything(name);
        await tab.goto(`#/shops/${shop.shopId}/scenarios`);
        await page.getByRole('link', { name }).waitFor();
        expect(await axe(page), 'list').toEqual([]);

        await page.getByRole('link', { name }).click();
        await card(page, 'Loose').waitFor();
        expect(await axe(page), 'canvas').toEqual([]);
        await pick(page, 'Greeting');
        // The variables' list open under the text.
        const text = panel(page).getByLabel('Text', { exact: true });
        await text.focus();
        await page.keyboard.press('End');
        await page.keyboard.type(' {{ci');
        await panel(page).getByRole('listbox').getByRole('option', { name: '{{city}}' }).waitFor();
        expect(await axe(page), 'canvas, step panel, variables').toEqual([]);
        await page.keyboard.press('Enter');
        expect(await text.inputValue()).toBe('Hi {{name}}! Shall we call you back? {{city}}');
        // A refusal on a card: Loose → Bye → Loose never waits.
        await page.getByRole('button', { name: 'Fit' }).click();
        await page.getByRole('button', { name: 'Fit' }).click();
        await connect(page, 'Loose — Then', 'Bye');
        await saved(page);
        await connect(page, 'Bye — Then', 'Loose');
        await card(page, 'Bye').locator('.issue').waitFor();
        expect(await axe(page), 'canvas with a refusal').toEqual([]);
        await page.getByRole('button', { name: 'Undo' }).click();
        await saved(page);
        await page.getByRole('button', { name: 'Try it' }).click();
        await page.locator('tpc-try-panel').getByRole('button', { name: 'Call me back' }).waitFor();
        expect(await axe(page), 'canvas, Try').toEqual([]);
        await page.screenshot({ path: artifactPath(`scenario-canvas-${scheme}.png`) });

        await page.getByRole('button', { name: 'Outline' }).click();
        await page.getByRole('button', { name: 'Edit step 1' }).click();
        await page.locator('tpc-flow-outline tpc-step-form').waitFor();
        expect(await axe(page), 'outline with a step open').toEqual([]);
        await page.screenshot({
          path: artifactPath(`scenario-outline-${scheme}.png`),
          fullPage: true,
        });

        expect(await tab.violations()).toEqual([]);
        expect(unexpected(tab.errors, [400])).toEqual([]);
        await tab.close();
      },
    );
});
