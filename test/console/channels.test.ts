import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser } from '../browser/harness.js';
import { startTelegramFake, type TelegramFake } from '../fakes/telegram.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../helpers/relay.js';
import { atPage, deepHtml, openConsole, signIn, unexpected } from './console.js';

const TOKEN = '4242:AAH-coffee_corner_token_0123456789';
const MANAGERS = '-1001234567';

describeBrowser('console channels', () => {
  let browser: Browser;
  let fake: TelegramFake;
  let relay: Relay;
  let owner: Owner;
  beforeAll(async () => {
    [browser, fake] = await Promise.all([launch(), startTelegramFake()]);
    fake.addBot(TOKEN, 'coffee_corner_bot');
    relay = await startRelay({ telegramApiUrl: fake.url, publicRateLimit: 0 });
    owner = await userWithShop(relay, 'Channels');
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    await fake?.close();
  });

  it('connects a Telegram bot by its token and alerts the managers’ group through it', async () => {
    const tab = await openConsole(browser, relay);
    const { page } = tab;
    await tab.goto();
    await signIn(page, owner.email, owner.password);
    await tab.goto(`#/shops/${owner.shop.id}/channels`);
    await atPage(page, 'Channels');
    await page.getByText('No bots yet.').waitFor();

    // A token Telegram does not know: Telegram's own refusal, under the token field.
    const token = page.getByRole('textbox', { name: 'Bot token' });
    await page.getByRole('textbox', { name: 'Bot name' }).fill('Coffee bot');
    await token.fill('4242:AAH-not_a_token_telegram_knows');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => token.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#bot-token-error').textContent()).toMatch(
      /Telegram rejected this token/,
    );

    await token.fill(TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('Bot Coffee bot connected as @coffee_corner_bot.').first().waitFor();
    const card = page.locator('tpc-channels-page li.bot');
    await card.getByRole('link', { name: '@coffee_corner_bot' }).waitFor();
    expect(await card.locator('.badge').first().textContent()).toMatch(/Active/);
    // The token is never shown again, nor kept in the form.
    expect(await token.inputValue()).toBe('');
    expect(await deepHtml(page)).not.toContain(TOKEN);

    await card.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => card.locator('.badge').first().textContent()).toMatch(/Stopped/);
    await card.getByRole('button', { name: 'Restart' }).click();
    await expect.poll(() => card.locator('.badge').first().textContent()).toMatch(/Active/);

    // The managers' group gets each new lead.
    await page.getByLabel('Bot that posts').selectOption({ label: 'Coffee bot' });
    await page.getByRole('textbox', { name: 'Chat id' }).fill(MANAGERS);
    await page.getByRole('button', { name: 'Add alert channel' }).click();
    await page.getByRole('cell', { name: `Coffee bot → chat ${MANAGERS}` }).waitFor();
    const lead = await relay.api.post(
      '/api/store/leads/',
      { shop_id: owner.shop.id, fields: { name: 'Vera', phone: '+79001112233' } },
      { token: owner.token },
    );
    expect(lead.status).toBe(201);
    await expect
      .poll(
        () =>
          fake
            .messagesTo(MANAGERS)
            .map((m) => m.plain)
            .join('\n'),
        { timeout: 10_000 },
      )
      .toContain('Vera');

    // Paused, it is kept but quiet.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('cell', { name: 'Paused' }).waitFor();

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors, [400])).toEqual([]);
    await tab.close();
  });
});
