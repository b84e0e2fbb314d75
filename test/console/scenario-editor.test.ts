import { afterAll, beforeAll, expect, it } from 'vitest';
import { artifactPath, describeBrowser, launch, type Browser } from '../browser/harness.js';
import { openConsole, signIn, unexpected } from './console.js';
import { buildFlow } from '../helpers/flows.js';
import {
  CALLBACK,
  canvasViewport,
  card,
  connect,
  dropStep,
  graphOf,
  newFlow,
  panel,
  pick,
  relayFlow,
  relaySteps,
  saved,
  saveState,
} from './scenario.js';
import { startConsoleShop, type ConsoleShop } from './shop.js';

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

  /** A tab signed in to the shop's console. */
  const newTab = async () => {
    const tab = await openConsole(browser, shop.relay);
    await tab.goto();
    await signIn(tab.page, shop.owner.email, shop.owner.password);
    return tab;
  };

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

  /** A tab signed in to the shop, on the editor of `flowId`. */
  const editorTab = async (flowId: number, view = '') => {
    const tab = await openConsole(browser, shop.relay);
    await tab.goto();
    await signIn(tab.page, shop.owner.email, shop.owner.password);
    await tab.goto(`#/shops/${shop.shopId}/scenarios/${flowId}${view ? `?view=${view}` : ''}`);
    await tab.page.locator('tpc-flow-editor p.state').waitFor();
    return tab;
  };
  const callbackFlow = (name: string, botId = shop.bot.id) =>
    buildFlow(
      shop.relay.api,
      { token: shop.owner.token, shopId: shop.shopId, botId },
      [
        {
          key: 'hello',
          type: 'message',
          text: 'Hi! Shall we call you back?',
          buttons: [
            { title: 'Call me back', to: 'phone' },
            { title: 'Our prices', url: 'https://shop.example/prices' },
          ],
        },
        {
          key: 'phone',
          type: 'question',
          text: 'Your phone number?',
          variable: 'phone',
          validate: 'phone',
          next: 'lead',
        },
        { key: 'lead', type: 'lead', form: shop.form.id, text: 'Thanks! We will call you.' },
      ],
      { name },
    );

  it(
    'shows the relay’s refusal of a connection on the card it concerns, until it is undone',
    { timeout: 60_000 },
    async () => {
      const tab = await newTab();
      const { page } = tab;
      const flowId = await newFlow(page, shop, 'Ping pong');
      await dropStep(page, 'Message', 40, 60);
      await panel(page).getByLabel('Text', { exact: true }).fill('Ping');
      await dropStep(page, 'Message', 360, 60);
      await panel(page).getByLabel('Text', { exact: true }).fill('Pong');
      await connect(page, 'Message: Ping — Then', 'Pong');
      await saved(page);
      // Pong → Ping closes a loop of steps that never wait: the relay refuses it.
      await connect(page, 'Message: Pong — Then', 'Ping');
      const issue = card(page, 'Pong').locator('.issue');
      await issue.waitFor();
      const steps = await relaySteps(shop, flowId);
      const [ping, pong] = [steps[0].id, steps[1].id];
      expect(await issue.textContent()).toBe(
        `This would loop forever: step ${pong} → step ${ping} → step ${pong} run one after another without waiting for the user. Put a question, buttons leading to a step, or a delay in the loop.`,
      );
      expect(await card(page, 'Pong').getAttribute('class')).toContain('problem');
      expect(await card(page, 'Ping').locator('.issue').count()).toBe(0);
      expect(await saveState(page)).toMatch(/^Not saved: Message: Pong: This would loop forever/);
      // The panel says it at the field, too.
      await pick(page, 'Pong');
      expect(await panel(page).getByLabel('Then go to').getAttribute('aria-invalid')).toBe('true');
      expect((await relaySteps(shop, flowId))[1].next_step_id).toBeNull();

      // Undo takes the connection back: nothing to refuse any more.
      await canvasViewport(page).click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('Control+z');
      await saved(page);
      expect(await issue.count()).toBe(0);
      expect(await tab.violations()).toEqual([]);
      expect(unexpected(tab.errors, [400])).toEqual([]);
      await tab.close();
    },
  );

  it('brings a deleted step back with its connections on undo', { timeout: 60_000 }, async () => {
    const built = await callbackFlow('Undo me');
    const before = await graphOf(shop, built.flowId);
    const tab = await editorTab(built.flowId);
    const { page } = tab;
    // Deleting asks first, saying what leads to the step.
    await card(page, 'phone').locator('.head').focus();
    await page.keyboard.press('Delete');
    const confirm = panel(page).getByRole('alert');
    await confirm.waitFor();
    expect((await confirm.textContent())!.replace(/\s+/g, ' ')).toContain(
      'Delete “phone”? This will then lead nowhere: “hello”, button “Call me back”',
    );
    await confirm.getByRole('button', { name: 'Delete step' }).click();
    // The step is deleted on the relay; the button that led there now leads nowhere, which
    // the relay refuses to save: its card says so.
    await card(page, 'hello')
      .locator('.issue')
      .getByText('Give either next_step_id or url.')
      .waitFor();
    expect(await saveState(page)).toBe('Not saved: hello: Give either next_step_id or url.');
    expect(await card(page, 'phone').count()).toBe(0);
    expect((await relaySteps(shop, built.flowId)).map((s) => s.type)).toEqual(['message', 'lead']);

    await page.getByRole('button', { name: 'Undo' }).click();
    await card(page, 'phone').waitFor();
    await saved(page);
    expect(await card(page, 'hello').locator('.issue').count()).toBe(0);
    // The same graph again: the button leads to the question, the question to the lead.
    expect(await graphOf(shop, built.flowId)).toEqual({
      first: before.first,
      // The step comes back as a new step, so it is listed last.
      steps: [before.steps[0], before.steps[2], before.steps[1]],
    });
    expect(await page.locator('tpc-flow-canvas svg.wires path.head').count()).toBe(2);
    // And redo deletes it again.
    await page.getByRole('button', { name: 'Redo' }).click();
    await card(page, 'hello').locator('.issue').waitFor();
    expect((await relaySteps(shop, built.flowId)).map((s) => s.type)).toEqual(['message', 'lead']);
    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors, [400])).toEqual([]);
    await tab.close();
  });

  it(
    'tells of someone else’s save, and on a stale save offers their version or mine (409)',
    { timeout: 60_000 },
    async () => {
      const built = await callbackFlow('Two editors');
      const tab = await editorTab(built.flowId);
      const { page } = tab;
      const question = built.steps.phone;
      const read = async () =>
        (
          await shop.relay.api.get(`/api/bot/steps/${question}/?shop_id=${shop.shopId}`, {
            token: shop.owner.token,
          })
        ).body.result;
      const theirs = async (text: string) => {
        const r = await shop.relay.api.patch(
          `/api/bot/steps/${question}/`,
          { shop_id: shop.shopId, payload: { text }, updated_at: (await read()).updated_at },
          { token: shop.owner.token },
        );
        expect(r.status).toBe(200);
      };

      // Someone else saves: the editor hears it on the event stream and says so.
      await theirs('Their phone question?');
      await page.getByText('Someone else saved this scenario while you have it open.').waitFor();
      // This editor changes the same step from the version it has: the relay answers 409.
      await pick(page, 'Your phone number?');
      await panel(page).getByLabel('Text', { exact: true }).fill('My phone question?');
      const conflict = page
        .locator('tpc-flow-editor')
        .getByRole('alert')
        .filter({ hasText: 'Someone else changed' });
      await conflict.waitFor();
      expect((await conflict.textContent())!.replace(/\s+/g, ' ')).toContain(
        'Someone else changed phone after you opened this scenario.',
      );
      expect(await saveState(page)).toBe('Not saved: someone else changed it');
      expect((await read()).payload.text).toBe('Their phone question?');

      // Their version: the editor shows what the relay has.
      await conflict.getByRole('button', { name: 'Load their version' }).click();
      await card(page, 'Their phone question?').waitFor();
      await saved(page);

      // Again, and this time keep mine: it replaces theirs.
      await theirs('Their second question?');
      await pick(page, 'Their phone question?');
      await panel(page).getByLabel('Text', { exact: true }).fill('My question wins?');
      await conflict.waitFor();
      await conflict.getByRole('button', { name: 'Keep my version' }).click();
      await saved(page);
      expect((await read()).payload.text).toBe('My question wins?');
      expect(await tab.violations()).toEqual([]);
      expect(unexpected(tab.errors, [409])).toEqual([]);
      await tab.close();
    },
  );

  it(
    'exports a flow and imports the file into a second bot as an equal flow',
    { timeout: 60_000 },
    async () => {
      const built = await callbackFlow('Shared');
      const second = await shop.relay.api.post(
        '/api/bot/bots/',
        { shop_id: shop.shopId, bot_type: 'sandbox', name: 'Second bot' },
        { token: shop.owner.token },
      );
      expect(second.status).toBe(201);
      const tab = await editorTab(built.flowId);
      const { page } = tab;
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('shared.flow.json');
      const file = artifactPath('shared.flow.json');
      await download.saveAs(file);

      await tab.goto(`#/shops/${shop.shopId}/scenarios`);
      const form = page.getByRole('form', { name: 'Import from a file' });
      await form.getByLabel('File').setInputFiles(file);
      await form.getByLabel('Bot').selectOption({ label: 'Second bot (sandbox)' });
      await form.getByRole('button', { name: 'Import' }).click();
      await page.getByRole('heading', { level: 1, name: 'Scenario editor' }).waitFor();
      await card(page, 'Your phone number?').waitFor();
      const imported = Number(/scenarios\/(\d+)/.exec(page.url())![1]);
      expect(imported).not.toBe(built.flowId);
      expect((await relayFlow(shop, imported)).bot_id).toBe(second.body.result.id);
      const exported = async (id: number) =>
        (
          await shop.relay.api.get(`/api/bot/flows/${id}/export/?shop_id=${shop.shopId}`, {
            token: shop.owner.token,
          })
        ).body.result;
      expect(await exported(imported)).toEqual(await exported(built.flowId));
      expect(await graphOf(shop, imported)).toEqual(await graphOf(shop, built.flowId));
      expect(await tab.violations()).toEqual([]);
      expect(unexpected(tab.errors)).toEqual([]);
      await tab.close();
    },
  );

  it(
    'starts from the templates: order questions, and lead qualification whose condition the Try panel follows',
    { timeout: 60_000 },
    async () => {
      const tab = await newTab();
      const { page } = tab;
      const create = async (template: string, form?: string) => {
        await tab.goto(`#/shops/${shop.shopId}/scenarios`);
        const box = page.getByRole('form', { name: 'New scenario' });
        await box.getByLabel(template).check();
        if (form) await box.getByLabel('Form of the leads').selectOption({ label: form });
        await box.getByRole('button', { name: 'Create and open' }).click();
        await page.getByRole('heading', { level: 1, name: 'Scenario editor' }).waitFor();
        await saved(page);
        return Number(/scenarios\/(\d+)/.exec(page.url())![1]);
      };

      const order = await create('Order status questions');
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(
        'Order status questions',
      );
      expect(await page.locator('tpc-flow-canvas .card').count()).toBe(5);
      const orderGraph = await graphOf(shop, order);
      expect(orderGraph.first).toBe('What would you like to know about your order?');
      expect(orderGraph.steps[0].buttons.map((b: string[]) => b[0])).toEqual([
        'Where is my order?',
        'Change the delivery',
        'Talk to a person',
      ]);

      const qualify = await create('Lead qualification', 'callback');
      const graph = await graphOf(shop, qualify);
      expect(graph.steps.map((s) => s.type)).toEqual([
        'message',
        'action',
        'action',
        'condition',
        'question',
        'lead',
        'message',
      ]);
      expect(graph.steps[5].form).toBe(shop.form.id);
      // The big budget goes through an action and the condition to the phone question.
      await page.getByRole('button', { name: 'Try it' }).click();
      const trial = page.locator('tpc-try-panel');
      await trial.getByRole('button', { name: 'More than €1,000' }).click();
      await trial.getByText('A specialist will call you. Your phone number?').waitFor();
      expect(await card(page, 'Big budget?').getAttribute('class')).toContain('visited');
      expect(await card(page, 'A specialist will call you').getAttribute('class')).toContain(
        'waiting',
      );
      expect(await card(page, 'Our ready-made offers').getAttribute('class')).not.toContain(
        'visited',
      );
      expect(await tab.violations()).toEqual([]);
      expect(unexpected(tab.errors)).toEqual([]);
      await tab.close();
    },
  );

  it(
    'gives a large flow a minimap that pans, zooms and fits; connects with the keyboard; chooses the welcome flow',
    { timeout: 60_000 },
    async () => {
      const specs = Array.from({ length: 12 }, (_, i) => ({
        key: `Step ${i + 1}`,
        type: 'message' as const,
        text: `Message number ${i + 1}`,
        buttons: i < 11 ? [{ title: `Go ${i + 2}`, to: `Step ${i + 2}` }] : [],
      }));
      const built = await buildFlow(
        shop.relay.api,
        { token: shop.owner.token, shopId: shop.shopId, botId: shop.bot.id },
        specs,
        { name: 'Long one' },
      );
      const tab = await editorTab(built.flowId);
      const { page } = tab;
      const world = page.locator('tpc-flow-canvas .world');
      const minimap = page.locator('tpc-flow-canvas svg.minimap');
      await minimap.waitFor();
      expect(await minimap.locator('rect.card-box').count()).toBe(12);
      // Pressing the minimap's far end brings that part of the flow into view.
      const before = await world.evaluate((w) => (w as HTMLElement).style.transform);
      await minimap.scrollIntoViewIfNeeded();
      const map = (await minimap.boundingBox())!;
      await page.mouse.click(map.x + map.width - 4, map.y + map.height / 2);
      const after = await world.evaluate((w) => (w as HTMLElement).style.transform);
      expect(after).not.toBe(before);
      const zoom = page.locator('tpc-flow-canvas output');
      expect(await zoom.textContent()).toBe('80%');
      await page.getByRole('button', { name: 'Zoom in' }).click();
      expect(await zoom.textContent()).toBe('100%');
      await page.getByRole('button', { name: 'Fit' }).click();
      // Fitted: every card inside the viewport.
      const vp = (await canvasViewport(page).boundingBox())!;
      for (const box of await page
        .locator('tpc-flow-canvas .card')
        .evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().toJSON())))
        expect(box.x >= vp.x - 1 && box.x + box.width <= vp.x + vp.width + 1).toBe(true);

      // With the keyboard on the canvas: the last step's outlet, then the first step's card.
      await page.getByRole('button', { name: 'Connect “Step 12 — Then” to a step' }).focus();
      await page.keyboard.press('Enter');
      await card(page, 'Step 1').first().locator('.head').focus();
      await page.keyboard.press('Enter');
      await saved(page);
      const last = (await relaySteps(shop, built.flowId))[11];
      expect(last.next_step_id).toBe(built.steps['Step 1']);

      // This flow runs on Start in the bot.
      await page.getByLabel('Runs when someone presses Start in Sandbox').check();
      await expect
        .poll(
          async () =>
            (
              await shop.relay.api.get(`/api/bot/bots/${shop.bot.id}/?shop_id=${shop.shopId}`, {
                token: shop.owner.token,
              })
            ).body.result.welcome_flow_id,
        )
        .toBe(built.flowId);
      await page.getByLabel('Runs when someone presses Start in Sandbox').uncheck();
      await expect
        .poll(
          async () =>
            (
              await shop.relay.api.get(`/api/bot/bots/${shop.bot.id}/?shop_id=${shop.shopId}`, {
                token: shop.owner.token,
              })
            ).body.result.welcome_flow_id,
        )
        .toBeNull();
      expect(await tab.violations()).toEqual([]);
      expect(unexpected(tab.errors)).toEqual([]);
      await tab.close();
    },
  );
});
