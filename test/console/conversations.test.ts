import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser, type Page } from '../browser/harness.js';
import { startTelegramFake, type TelegramFake } from '../fakes/telegram.js';
import { updates } from '../fakes/telegram-updates.js';
import { freePort } from '../helpers/process.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../helpers/relay.js';
import { eventually, telegramBot, tgUser } from '../relay/channels/fixtures.js';
import { sandboxPerson, sandboxShop } from '../relay/scenario/sandbox.js';
import { atPage, openConsole, signIn, unexpected } from './console.js';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** The people list's entry of a person: name, last message, unread count. */
const entry = (page: Page, name: string) =>
  page.locator('tpc-conversations-page .people li', { hasText: name });

/**
 * Conversations in the console against the real relay: people with their last message and
 * unread count (cleared when the chat is read), pictures and buttons as the person saw them,
 * a reply that reaches the person (Telegram, through the fake's real Bot API), and taking a
 * person over from the bot's scenario and handing them back.
 */
describeBrowser('console conversations', () => {
  let browser: Browser;
  let relay: Relay;
  let fake: TelegramFake;
  let images: http.Server;
  let imageBase = '';
  beforeAll(async () => {
    fake = await startTelegramFake();
    images = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
    );
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    const port = await freePort();
    [browser, relay] = await Promise.all([
      launch(),
      startRelay(
        {
          demo: true,
          publicRateLimit: 0,
          webhookAllowPrivate: true,
          port,
          publicUrl: `http://127.0.0.1:${port}`,
          publicUrlExplicit: true,
          telegramApiUrl: fake.url,
        },
        { scheduler: { maxSleepMs: 50 } },
      ),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    await fake?.close();
    await new Promise((r) => images?.close(r));
  });

  const signedIn = async (owner: Owner, path: string) => {
    const tab = await openConsole(browser, relay);
    await tab.goto();
    await signIn(tab.page, owner.email, owner.password);
    await tab.goto(`#/shops/${owner.shop.id}/${path}`);
    await atPage(tab.page, 'Conversations');
    return tab;
  };

  it('sends a reply typed in the console to the person in Telegram, and shows pictures and buttons as sent', async () => {
    const owner = await userWithShop(relay, 'Telegram chats');
    const { token } = await telegramBot(relay, fake, owner, 'Coffee bot');
    const vera = tgUser({ first_name: 'Vera', last_name: 'Reader' });
    expect((await fake.deliverUpdate(token, updates.start(vera))).status).toBe(200);
    expect(
      (await fake.deliverUpdate(token, updates.text(vera, 'Is the shop open on Sunday?'))).status,
    ).toBe(200);
    const person = (
      await relay.api.get(`/api/bot/bot_users/?shop_id=${owner.shop.id}`, { token: owner.token })
    ).body.result.results[0];
    // What the shop sent her before: a picture and buttons.
    const sent = await relay.api.post(
      '/api/bot/messages/send_message/',
      {
        shop_id: owner.shop.id,
        bot_user_id: person.id,
        payload: { text: 'Our new mug', image_url: `${imageBase}/mug.png` },
        inline_buttons: [{ text: 'See the shop', url: 'https://shop.example/mugs' }],
      },
      { token: owner.token },
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);

    const tab = await signedIn(owner, 'conversations');
    const { page } = tab;
    const vEntry = entry(page, 'Vera Reader');
    await vEntry.waitFor();
    expect(await vEntry.textContent()).toContain('You: Our new mug');
    expect(await vEntry.getByLabel('1 unread message').textContent()).toBe('1');
    await vEntry.getByRole('link').click();
    const chat = page.getByRole('list', { name: 'Messages with Vera Reader' });
    await chat.getByText('Is the shop open on Sunday?').waitFor();
    await chat.getByText('Started the bot').waitFor();
    // The picture, fetched through the relay and shown under the console's own CSP.
    await expect
      .poll(() => chat.getByRole('img', { name: 'Image' }).getAttribute('src'))
      .toMatch(/^data:image\/png;base64,/);
    expect(await chat.getByRole('link', { name: /See the shop/ }).getAttribute('href')).toBe(
      'https://shop.example/mugs',
    );
    // Read: the unread count goes, for everyone.
    await expect.poll(() => vEntry.getByLabel(/unread/).count()).toBe(0);
    const listed = await relay.api.get(`/api/bot/conversations/?shop_id=${owner.shop.id}`, {
      token: owner.token,
    });
    expect(listed.body.result.results[0].unread).toBe(0);

    await page.getByLabel('Reply').fill('Yes, from 10 to 16.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await chat.getByText('Yes, from 10 to 16.').waitFor();
    const reply = await eventually(() =>
      fake.messagesTo(vera.id).find((m) => m.plain === 'Yes, from 10 to 16.'),
    );
    expect(reply.token).toBe(token);

    // Her answer appears in the open chat as it arrives.
    await fake.deliverUpdate(token, updates.text(vera, 'Thanks!'));
    await chat.getByText('Thanks!').waitFor({ timeout: 10_000 });

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors)).toEqual([]);
    await tab.close();
  }, 60_000);

  it('takes a person over (the scenario stops) and hands them back (it goes on)', async () => {
    const shop = await sandboxShop(relay, 'Takeover');
    await shop.flow(
      [
        {
          key: 'ask',
          type: 'question',
          text: 'Your phone, please?',
          variable: 'phone',
          validate: 'phone',
          next: 'thanks',
        },
        { key: 'thanks', type: 'message', text: 'Thanks, we will call {{phone}}.' },
      ],
      { welcome: true },
    );
    const person = sandboxPerson(relay, shop.botId);
    await person.start('Walt Takeover');
    expect(await person.texts()).toEqual(['Your phone, please?']);

    const tab = await signedIn(shop, `conversations/${person.botUserId}`);
    const { page } = tab;
    const chat = page.getByRole('list', { name: 'Messages with Walt Takeover' });
    await chat.getByText('Your phone, please?').waitFor();
    await page.getByText('The bot’s scenario answers this person.').waitFor();
    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByText(/You answer this person/).waitFor();
    await expect
      .poll(async () => (await relay.stores.botUsers.get(person.botUserId))?.takeover)
      .toMatchObject({ by_user_id: shop.user.id });

    // The scenario is paused: the answer gets no reply from the bot; the manager sees it.
    await person.say('+44 20 7946 0958');
    await chat.getByText('+44 20 7946 0958').waitFor({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await person.texts()).toEqual(['Your phone, please?']);
    await page.getByLabel('Reply').fill('Hi Walt, a manager here: I will call you now.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(async () =>
      (await person.texts()).includes('Hi Walt, a manager here: I will call you now.'),
    );

    // Handed back: the scenario goes on from where it waits.
    await page.getByRole('button', { name: 'Hand back to the bot' }).click();
    await page.getByText('The bot’s scenario answers this person.').waitFor();
    await person.say('+44 20 7946 0958');
    await chat.getByText('Thanks, we will call +442079460958.').waitFor({ timeout: 10_000 });
    expect((await person.texts()).at(-1)).toBe('Thanks, we will call +442079460958.');

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors)).toEqual([]);
    await tab.close();
  }, 60_000);

  it('finds people by name and shows only those with unread messages', async () => {
    const shop = await sandboxShop(relay, 'Search');
    for (const name of ['Xena Search', 'Yuri Search']) {
      const p = sandboxPerson(relay, shop.botId);
      await p.start(name);
      if (name.startsWith('Xena')) await p.say('Hello?');
    }
    const tab = await signedIn(shop, 'conversations');
    const { page } = tab;
    await entry(page, 'Yuri Search').waitFor();
    await page.getByLabel('Unread only').check();
    await entry(page, 'Xena Search').waitFor();
    await expect.poll(() => entry(page, 'Yuri Search').count()).toBe(0);
    await page.getByLabel('Unread only').uncheck();
    await page.getByRole('searchbox', { name: 'Search people' }).fill('yuri');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await entry(page, 'Yuri Search').waitFor();
    await expect.poll(() => entry(page, 'Xena Search').count()).toBe(0);
    await tab.close();
  });
});
