import { afterAll, beforeAll, expect, it } from 'vitest';
import { artifactPath, describeBrowser, launch, type Browser } from '../browser/harness.js';
import { openConsole, signIn, unexpected } from './console.js';
import {
  canvasViewport,
  card,
  connect,
  dropStep,
  graphOf,
  newFlow,
  panel,
  pick,
  saved,
} from './scenario.js';
import { startConsoleShop, type ConsoleShop } from './shop.js';

/** The "request a call back" flow as the relay keeps it, whatever ids it got. */
const CALLBACK = (formId: number) => ({
  first: 'Hi! Shall we call you back?',
  steps: [
    {
      type: 'message',
      text: 'Hi! Shall we call you back?',
      variable: null,
      validate: null,
      form: null,
      next: null,
      buttons: [
        ['Call me back', 'Your phone number?'],
        ['Our prices', 'https://shop.example/prices'],
      ],
    },
    {
      type: 'question',
      text: 'Your phone number?',
      variable: 'phone',
      validate: 'phone',
      form: null,
      next: 'Thanks! We will call you.',
      buttons: [],
    },
    {
      type: 'lead',
      text: 'Thanks! We will call you.',
      variable: null,
      validate: null,
      form: formId,
      next: null,
      buttons: [],
    },
  ],
});

describeBrowser('scenario editor: drawing with the pointer', () => {
  let browser: Browser;
  let shop: ConsoleShop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startConsoleShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  it(
    'builds "request a call back" from an empty canvas, keeps it across a reload, and runs it in the Try panel to a lead and its alert',
    { timeout: 120_000 },
    async () => {
      const tab = await openConsole(browser, shop.relay);
      const { page } = tab;
      await tab.goto();
      await signIn(page, shop.owner.email, shop.owner.password);
      const flowId = await newFlow(page, shop, 'Call back');
      await canvasViewport(page).getByText('Drag a step type here').waitFor();

      // Three steps from the palette, each dropped where it goes.
      await dropStep(page, 'Message', 60, 60);
      await panel(page).getByLabel('Text', { exact: true }).fill('Hi! Shall we call you back?');
      await dropStep(page, 'Question', 330, 40);
      await panel(page).getByLabel('Text', { exact: true }).fill('Your phone number?');
      await panel(page).getByLabel('Save the answer as').fill('phone');
      await panel(page).getByLabel('The answer must be').selectOption('phone');
      await panel(page)
        .getByLabel('When the answer is not accepted, say')
        .fill('Please send a phone number.');
      await dropStep(page, 'Lead', 330, 260);
      await panel(page).getByLabel('Text (optional)').fill('Thanks! We will call you.');
      expect(await panel(page).getByLabel('Form').inputValue()).toBe(String(shop.form.id));

      // Two buttons on the greeting: one to the question (dragged), one opening a link.
      await pick(page, 'Hi! Shall we call you back?');
      await panel(page).getByRole('button', { name: 'Add a button' }).click();
      await panel(page).getByLabel('Label').fill('Call me back');
      await panel(page).getByRole('button', { name: 'Add a button' }).click();
      await panel(page).getByLabel('Label').nth(1).fill('Our prices');
      await panel(page).getByLabel('Pressing it').nth(1).selectOption('url');
      await panel(page).getByLabel('Link').fill('https://shop.example/prices');
      await connect(page, 'Call me back', 'Your phone number?');
      // The question goes on to the lead.
      await connect(page, 'Question: Your phone number? — Then', 'Thanks! We will call you.');
      await saved(page);
      await page.screenshot({ path: artifactPath('scenario-callback-drawn.png') });

      expect(await graphOf(shop, flowId)).toEqual(CALLBACK(shop.form.id));
      // Where the steps were dropped is kept.
      const before = await page
        .locator('tpc-flow-canvas .card')
        .evaluateAll((cards) =>
          cards.map((c) => [
            c.textContent!.replace(/\s+/g, ' ').trim(),
            (c as HTMLElement).style.transform,
          ]),
        );

      await page.reload();
      await card(page, 'Your phone number?').waitFor();
      expect(await page.locator('tpc-flow-canvas .card').count()).toBe(3);
      expect(
        await page
          .locator('tpc-flow-canvas .card')
          .evaluateAll((cards) =>
            cards.map((c) => [
              c.textContent!.replace(/\s+/g, ' ').trim(),
              (c as HTMLElement).style.transform,
            ]),
          ),
      ).toEqual(before);
      // Two arrows: the button's and the question's.
      expect(await page.locator('tpc-flow-canvas svg.wires path.head').count()).toBe(2);
      expect(await graphOf(shop, flowId)).toEqual(CALLBACK(shop.form.id));

      // Try it: a test person presses through; the path lights up; a lead and its alert.
      await page.getByRole('button', { name: 'Try it' }).click();
      const trial = page.locator('tpc-try-panel');
      await trial.getByText('Hi! Shall we call you back?').waitFor();
      await trial.getByRole('button', { name: 'Call me back' }).click();
      await trial.getByText('Your phone number?').waitFor();
      await trial.getByLabel('Answer as the test person').fill('call me');
      await trial.getByRole('button', { name: 'Send' }).click();
      await trial.getByText('Please send a phone number.').waitFor();
      await trial.getByLabel('Answer as the test person').fill('+44 20 7946 0958');
      await trial.getByRole('button', { name: 'Send' }).click();
      await trial.getByText('Thanks! We will call you.').waitFor();
      await trial.getByText('The scenario ended.').first().waitFor();
      expect(await page.locator('tpc-flow-canvas .card.visited').count()).toBe(3);
      await page.screenshot({ path: artifactPath('scenario-callback-tried.png') });

      const leads = await shop.relay.api.get(`/api/store/leads/?shop_id=${shop.shopId}`, {
        token: shop.owner.token,
      });
      const lead = leads.body.result.results.find(
        (l: { fields: Record<string, string> }) => l.fields.phone === '+442079460958',
      );
      expect(lead).toMatchObject({ form: shop.form.id, fields: { name: 'Test person' } });
      // The managers' alert reached the alert chat in the sandbox messenger.
      await expect
        .poll(async () => (await shop.person.texts()).join('\n'), { timeout: 15_000 })
        .toContain('+442079460958');

      expect(await tab.violations()).toEqual([]);
      expect(unexpected(tab.errors)).toEqual([]);
      await tab.close();
    },
  );
});
