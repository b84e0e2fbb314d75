import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser } from '../browser/harness.js';
import { atPage, openConsole, signIn, unexpected, type ConsoleTab } from './console.js';
import { startConsoleShop, type ConsoleShop } from './shop.js';

/** A's text, whitespace collapsed. */
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describeBrowser('console operations', () => {
  let browser: Browser;
  let shop: ConsoleShop;
  let tab: ConsoleTab;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startConsoleShop()]);
    tab = await openConsole(browser, shop.relay);
    await tab.goto();
    await signIn(tab.page, shop.owner.email, shop.owner.password);
    await atPage(tab.page, 'Getting started');
  });
  afterAll(async () => {
    await tab?.close();
    await browser?.close();
    await shop?.close();
  });
  const link = (path: string) => tab.goto(`#/shops/${shop.shopId}/${path}`);

  it('sends a reply typed in Conversations to the person’s sandbox chat', async () => {
    const { page } = tab;
    await link('conversations');
    await atPage(page, 'Conversations');
    await page.getByRole('search').getByLabel('Search people').fill('ann');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('link', { name: /Ann Buyer/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Ann Buyer' }).waitFor();
    await page
      .getByRole('list', { name: 'Messages with Ann Buyer' })
      .getByText('Do you ship to Riga?')
      .waitFor();

    await page.getByLabel('Reply').fill('Yes: two days to Riga.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText('Message queued for delivery.')
      .waitFor();
    await page
      .getByRole('list', { name: 'Messages with Ann Buyer' })
      .getByText('Yes: two days to Riga.')
      .waitFor();
    expect(await page.getByLabel('Reply').inputValue()).toBe('');
    // In the person's messenger, as the demo inbox shows it.
    await expect.poll(() => shop.person.texts()).toContain('Yes: two days to Riga.');

    // An empty reply: the API's message next to the box.
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => page.getByLabel('Reply').getAttribute('aria-invalid')).toBe('true');
  });

  it('changes an order’s status and says how many buyers the relay tells', async () => {
    const { page } = tab;
    await link('orders');
    await atPage(page, 'Orders');
    await page.getByRole('link', { name: '#1001' }).click();
    await atPage(page, 'Order #1001');
    await page.getByLabel('Status', { exact: true }).fill('shipped');
    await page.getByRole('button', { name: 'Change status' }).click();
    const answer = page.locator('tpc-orders-page .notice.ok');
    await answer.waitFor();
    expect(squash(await answer.textContent())).toBe(
      'Status is now “shipped”. 1 buyer follows this order and is told through their messenger.',
    );
    await expect.poll(async () => (await shop.person.texts()).join('\n')).toMatch(/1001/);

    // A status the API refuses: its sentence under the field.
    await page.getByLabel('Status', { exact: true }).fill('Shipped!');
    await page.getByRole('button', { name: 'Change status' }).click();
    await expect.poll(() => page.locator('#order-status-error').textContent()).toMatch(/lowercase/);
  });

  it('releases a lead held as spam, which raises its alert then', async () => {
    const { page } = tab;
    await link('leads');
    await atPage(page, 'Leads');
    await page.getByText('1 lead', { exact: true }).waitFor();
    await page.getByLabel('Spam only').check();
    await page.getByText('1 lead held as spam').waitFor();
    await page.getByRole('link', { name: /Robot/ }).click();
    await atPage(page, /^Lead #\d+$/);
    const before = (await shop.person.texts()).filter((t) => t.includes('Robot')).length;
    await page.getByRole('button', { name: 'Not spam: release it' }).click();
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText(/released from spam/)
      .waitFor();
    // The alert channel (Ann's chat, for the test) now hears about it.
    await expect
      .poll(async () => (await shop.person.texts()).filter((t) => t.includes('Robot')).length)
      .toBe(before + 1);
    await page.getByRole('link', { name: '← All leads' }).click();
    await page.getByText('2 leads', { exact: true }).waitFor();
  });

  it('shows a webhook secret once and retries a failed delivery', async () => {
    const { page } = tab;
    await link('webhooks');
    await atPage(page, 'Webhooks and deliveries');
    await page.getByRole('textbox', { name: 'URL', exact: true }).fill('http://127.0.0.1:9/second');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.locator('tpc-webhooks-page #secret');
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/^whsec_/);

    // The first endpoint's lead.created deliveries fail: nothing listens on port 9.
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    const retry = page.getByRole('button', { name: /^Retry #\d+$/ }).first();
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return retry.count();
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    const id = Number((await retry.textContent())!.replace(/\D/g, ''));
    await page.getByRole('button', { name: `Attempts of #${id}` }).click();
    await page.locator(`#att-${id} li`).first().waitFor();
    await retry.click();
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText(`Delivery #${id} queued again.`)
      .waitFor();

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors, [400])).toEqual([]);
  });
});
