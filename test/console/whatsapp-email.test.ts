import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser } from '../browser/harness.js';
import { startSmtpServer, type SmtpServer } from '../fakes/smtp.js';
import { startWhatsAppFake, type WhatsAppFake } from '../fakes/whatsapp.js';
import { freePort } from '../helpers/process.js';
import { startRelay, userWithShop, type Relay } from '../helpers/relay.js';
import { atPage, axe, deepHtml, openConsole, signIn, unexpected } from './console.js';

const MANAGER = '+44 7911 123456';
const MANAGER_WA_ID = '447911123456';
const APP_SECRET = 'app-secret-0123456789abcdef';

/**
 * The messengers and alert channels main added, in the console against the real relay: a
 * WhatsApp number connected on Channels (checked with the Graph API fake, the callback URL
 * and verify token shown once and accepted by Meta's verification handshake), a manager's
 * WhatsApp number and email addresses as alert channels, each tested on the real delivery
 * path — the WhatsApp test first refused outside the 24-hour window, then delivered.
 */
describeBrowser('console WhatsApp and email', () => {
  let browser: Browser;
  let fake: WhatsAppFake;
  let smtp: SmtpServer;
  let relay: Relay;
  beforeAll(async () => {
    [fake, smtp] = await Promise.all([
      startWhatsAppFake({ windowErrors: 'sync' }),
      startSmtpServer(),
    ]);
    const port = await freePort();
    [browser, relay] = await Promise.all([
      launch(),
      startRelay({
        port,
        publicUrl: `http://127.0.0.1:${port}`,
        publicUrlExplicit: true,
        whatsappApiUrl: fake.url,
        mail: { smtpUrl: smtp.url, from: 'Shop alerts <alerts@shop.example>' },
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    await fake?.close();
    await smtp?.close();
  });

  it('connects a WhatsApp number and tests WhatsApp and email alerts', async () => {
    const owner = await userWithShop(relay, 'WhatsApp shop');
    const number = fake.addNumber();
    const tab = await openConsole(browser, relay);
    const { page } = tab;
    await tab.goto();
    await signIn(page, owner.email, owner.password);
    await tab.goto(`#/shops/${owner.shop.id}/channels`);
    await atPage(page, 'Channels');

    // A WhatsApp number of the Cloud API: its access token, phone number id and app secret.
    await page.getByRole('combobox', { name: 'Messenger' }).selectOption('whatsapp');
    await page.getByRole('textbox', { name: 'Bot name' }).fill('Shop WhatsApp');
    await page.getByLabel('Access token').fill(number.token);
    // A phone number id Meta does not know: its refusal, under the field.
    await page.getByLabel('Phone number id').fill('999');
    await page.getByLabel('App secret').fill(APP_SECRET);
    expect(await axe(page), 'WhatsApp fields').toEqual([]);
    await page.getByRole('button', { name: 'Connect' }).click();
    const phoneId = page.getByLabel('Phone number id');
    await expect.poll(() => phoneId.getAttribute('aria-invalid')).toBe('true');
    await phoneId.fill(number.phoneNumberId);
    await page.getByRole('button', { name: 'Connect' }).click();
    const connected = page.locator('tpc-connect-bot .notice.ok');
    await connected
      .getByText(`Bot Shop WhatsApp connected: +1555${number.display.replace(/\D/g, '').slice(4)}.`)
      .waitFor();
    const url = (await connected.locator('#callback-url').textContent())!.trim();
    const verifyToken = (await connected.locator('#verify-token').textContent())!.trim();
    // What the owner pastes into Meta's dashboard works: Meta's handshake is answered.
    const handshake = await fake.verify(url, verifyToken);
    expect(handshake.status).toBe(200);
    expect(handshake.body).toBe(handshake.challenge);
    // Secrets are not kept in the page.
    const markup = await deepHtml(page);
    expect(markup).not.toContain(number.token);
    expect(markup).not.toContain(APP_SECRET);
    await page.locator('tpc-channels-page li.bot', { hasText: 'Shop WhatsApp' }).waitFor();

    // The manager's WhatsApp number gets each new lead.
    await page.getByRole('combobox', { name: 'Type' }).selectOption('whatsapp');
    await page.getByLabel('Bot that posts').selectOption({ label: 'Shop WhatsApp' });
    await page.getByLabel('Manager’s WhatsApp number').fill(MANAGER);
    await page.getByRole('button', { name: 'Add alert channel' }).click();
    const waRow = page.getByRole('row', { name: /Shop WhatsApp → chat \+447911123456/ });
    await waRow.waitFor();
    // The manager never wrote to the bot: WhatsApp refuses free text, and the test says so.
    await waRow.getByRole('button', { name: 'Send a test alert' }).click();
    await waRow.getByText(/The test alert to .* failed: .*24/).waitFor({ timeout: 15_000 });
    // The manager writes to the shop's number (Meta posts it to the callback URL shown): the
    // window opens, and the test alert goes through.
    fake.subscribe(number, url, APP_SECRET);
    expect((await fake.text(number, { waId: MANAGER_WA_ID, name: 'Manager' }, 'Hi')).status).toBe(
      200,
    );
    await waRow.getByRole('button', { name: 'Send a test alert' }).click();
    await waRow.getByText(/^Test alert sent to /).waitFor({ timeout: 15_000 });
    expect(fake.messagesTo(MANAGER_WA_ID).map((m) => m.text)).toEqual([
      expect.stringContaining('Test alert from Touchpoint'),
    ]);

    // Email: two addresses, as typed.
    await page.getByRole('combobox', { name: 'Type' }).selectOption('email');
    await page.getByLabel('Email addresses').fill('sales@shop.example, boss@shop.example');
    expect(await axe(page), 'email fields').toEqual([]);
    await page.getByRole('button', { name: 'Add alert channel' }).click();
    const mailRow = page.getByRole('row', { name: /sales@shop\.example, boss@shop\.example/ });
    await mailRow.waitFor();
    await mailRow.getByRole('button', { name: 'Send a test alert' }).click();
    await mailRow.getByText(/^Test alert sent to /).waitFor({ timeout: 15_000 });
    const mail = smtp.received.at(-1)!;
    expect(mail.to.sort()).toEqual(['boss@shop.example', 'sales@shop.example']);
    expect(mail.subject).toMatch(/Test alert/);

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors, [400])).toEqual([]);
    await tab.close();
  }, 60_000);
});
