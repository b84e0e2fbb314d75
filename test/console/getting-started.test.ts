import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser, type Page } from '../browser/harness.js';
import { startTelegramFake, type TelegramFake } from '../fakes/telegram.js';
import { updates } from '../fakes/telegram-updates.js';
import { freePort } from '../helpers/process.js';
import { startRelay, userWithShop, type Relay } from '../helpers/relay.js';
import { tgUser } from '../relay/channels/fixtures.js';
import { atPage, openConsole, signIn, unexpected } from './console.js';

/** The checklist's "n of 5 steps done", whitespace collapsed. */
const progress = async (page: Page) =>
  (await page.getByText(/of 5 steps done/).textContent())?.replace(/\s+/g, ' ').trim();

/** The sandbox inbox's chat list and messages (demo/inbox/). */
const inboxMessages = (inbox: Page) => inbox.locator('#messages li').allTextContents();

/**
 * Getting started, end to end in the console against the real relay: from an empty shop to
 * a first lead alerted in the managers' group. Each step is done on the checklist itself —
 * the key and its snippet, a bot, the managers' group the bot was added to (the relay notices
 * it; the group appears by its title without a reload; picking it creates the alert channel),
 * a test alert, the form, and the first lead, which ticks the last step as it arrives.
 */
describeBrowser('console getting started', () => {
  let browser: Browser;
  let relay: Relay;
  let fake: TelegramFake;
  beforeAll(async () => {
    fake = await startTelegramFake();
    const port = await freePort();
    [browser, relay] = await Promise.all([
      launch(),
      // A public URL, so Telegram bots get a webhook the fake can deliver updates to.
      startRelay({
        demo: true,
        publicRateLimit: 0,
        port,
        publicUrl: `http://127.0.0.1:${port}`,
        publicUrlExplicit: true,
        telegramApiUrl: fake.url,
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    await fake?.close();
  });

  it('goes from an empty shop to a first lead alerted in the sandbox managers’ group', async () => {
    const owner = await userWithShop(relay, 'Empty', { demo: true });
    const tab = await openConsole(browser, relay);
    const { page } = tab;
    await tab.goto();
    await signIn(page, owner.email, owner.password);
    await atPage(page, 'Getting started');
    await expect.poll(() => progress(page)).toBe('0 of 5 steps done');

    // 1. A publishable key and the snippet.
    await page.getByLabel('Your site’s origins').fill('https://empty.example');
    await page.getByRole('button', { name: 'Create key and snippet' }).click();
    const key = (await page.locator('tpc-key-created #key-value').textContent())!.trim();
    expect(await page.locator('tpc-key-created #snippet').textContent()).toContain(key);
    await expect.poll(() => progress(page)).toBe('1 of 5 steps done');

    // 2. A bot: this demo shop may have the sandbox messenger's.
    await page.getByRole('button', { name: 'Add a sandbox bot' }).click();
    await page.getByText('Bot Sandbox connected.').first().waitFor();
    await expect.poll(() => progress(page)).toBe('2 of 5 steps done');
    const bots = await relay.api.get(`/api/bot/bots/?shop_id=${owner.shop.id}`, {
      token: owner.token,
    });
    const botId = bots.body.result.results.find((b: any) => b.bot_type === 'sandbox').id;
    const groups = page.getByRole('list', { name: 'Groups of Sandbox' });
    await page.getByText('Not in any group yet').waitFor();

    // 3. The managers make a group with the bot in the sandbox messenger (as they would add
    // it to a Telegram group): the checklist lists it by its title, with no reload.
    const inbox = await tab.context.newPage();
    await inbox.goto(`${relay.url}/demo/inbox/?bot=${botId}`);
    await inbox.getByRole('button', { name: 'New group' }).click();
    await inbox.getByLabel('Group name').fill('Night shift');
    await inbox.getByRole('button', { name: 'Create with the bot' }).click();
    await groups.getByText('Night shift').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Send alerts to Night shift' }).click();
    await groups.getByText('Gets alerts').waitFor();
    await expect.poll(() => progress(page)).toBe('3 of 5 steps done');
    await page.getByRole('button', { name: 'Send a test alert' }).click();
    await page.getByText('Test alert sent to Night shift.').first().waitFor({ timeout: 10_000 });
    await expect
      .poll(() => inboxMessages(inbox), { timeout: 10_000 })
      .toContainEqual(expect.stringContaining('Test alert from Touchpoint'));

    // 4. A form (its editor previews it with the real widget: test/console/journey.test.ts).
    await page.getByRole('link', { name: 'Create a form' }).click();
    await atPage(page, 'New form');
    await page.getByLabel('Form name').fill('callback');
    await page.getByRole('button', { name: 'Save form' }).click();
    await atPage(page, 'Edit form');
    await page.getByRole('link', { name: 'Getting started' }).click();
    await atPage(page, 'Getting started');
    await expect.poll(() => progress(page)).toBe('4 of 5 steps done');

    // 5. A visitor sends the form: the last step ticks as the lead arrives, and the managers'
    // group hears of it, with its actions.
    const posted = await relay.api.post('/public/v1/leads', {
      key,
      form: 'callback',
      fields: { name: 'Paula First', phone: '+79123450000' },
      page: { url: 'https://empty.example/contact', referrer: '', title: 'Contact' },
      hp: '',
      elapsed_ms: 8000,
      submission_id: randomUUID(),
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    await expect.poll(() => progress(page), { timeout: 10_000 }).toBe('5 of 5 steps done');
    await page.getByText('The newest lead: Paula First (1 in all).').waitFor();
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText('Your first lead arrived: Paula First.')
      .waitFor();
    const alert = inbox.locator('#messages li.out', {
      hasText: `New lead #${posted.body.result.lead_id}`,
    });
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toContain('Paula First');
    expect(await alert.getByRole('link', { name: 'Open in console' }).getAttribute('href')).toBe(
      `${relay.url}/console/#/shops/${owner.shop.id}/leads/${posted.body.result.lead_id}`,
    );

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors, [400])).toEqual([]);
    await tab.close();
  }, 90_000);

  it('connects a Telegram bot by its token, lists the group it was added to, and tests an alert there', async () => {
    const owner = await userWithShop(relay, 'Telegram');
    const token = `${Date.now() % 1e9}:AAH-getting_started_token_0123456789`;
    fake.addBot(token, 'started_coffee_bot');
    const tab = await openConsole(browser, relay);
    const { page } = tab;
    await tab.goto();
    await signIn(page, owner.email, owner.password);
    await atPage(page, 'Getting started');

    await page.getByRole('textbox', { name: 'Bot name' }).fill('Coffee bot');
    await page.getByRole('textbox', { name: 'Bot token' }).fill(token);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('Bot Coffee bot connected as @started_coffee_bot.').first().waitFor();
    await page.getByText('In Telegram, add @started_coffee_bot to your managers’ group').waitFor();

    // Someone adds the bot to their group in Telegram: Telegram tells the relay (webhook).
    const added = await fake.deliverUpdate(
      token,
      updates.botInGroup(tgUser(), -100777, 'Coffee managers', 'administrator'),
    );
    expect(added.status).toBe(200);
    const groups = page.getByRole('list', { name: 'Groups of Coffee bot' });
    await groups.getByText('Coffee managers').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Send alerts to Coffee managers' }).click();
    await groups.getByText('Gets alerts').waitFor();
    await page.getByRole('button', { name: 'Send a test alert' }).click();
    await page
      .getByText('Test alert sent to Coffee managers.')
      .first()
      .waitFor({ timeout: 15_000 });
    expect(fake.messagesTo(-100777).map((m) => m.plain)).toEqual([
      expect.stringContaining('Test alert from Touchpoint'),
    ]);
    // The bot left the group: it leaves the list too.
    await fake.deliverUpdate(
      token,
      updates.botInGroup(tgUser(), -100777, 'Coffee managers', 'left'),
    );
    await groups.waitFor({ state: 'detached', timeout: 10_000 });

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors)).toEqual([]);
    await tab.close();
  }, 60_000);
});
