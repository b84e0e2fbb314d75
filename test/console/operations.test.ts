import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser } from '../browser/harness.js';
import { atPage, openConsole, signIn, unexpected, type ConsoleTab } from './console.js';
import { postLead, startConsoleShop, type ConsoleShop } from './shop.js';

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

  it('edits the message buyers hear for a status, with a preview as it is typed', async () => {
    const { page } = tab;
    await link('orders');
    await atPage(page, 'Orders');
    await page.getByRole('link', { name: 'Messages to buyers' }).click();
    await atPage(page, 'Messages to buyers');
    const box = page.getByLabel('Message for “delivered”');
    await box.waitFor();
    // The shop has no text of its own yet: the default, shown in the box and previewed.
    expect(await box.getAttribute('placeholder')).toBe(
      'Your order {order.number} has been delivered.',
    );
    const row = page.locator('tpc-order-templates fieldset', { hasText: 'delivered' });
    await expect
      .poll(() => row.locator('.preview').textContent())
      .toBe('Your order 1001 has been delivered.');
    await box.fill('Delivered: {order.number}, {order.total} {order.currency} & more');
    await expect
      .poll(() => row.locator('.preview').textContent())
      .toBe('Delivered: 1001, 49.90 EUR & more');
    await page.getByRole('button', { name: 'Save messages' }).click();
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText('Messages to buyers saved.')
      .waitFor();
    const saved = await shop.relay.api.get(`/api/store/order_templates/?shop_id=${shop.shopId}`, {
      token: shop.owner.token,
    });
    expect(saved.body.result.templates).toEqual({
      delivered: 'Delivered: {order.number}, {order.total} {order.currency} & more',
    });
    // What a subscribed buyer of order 1001 now hears when it arrives.
    const delivered = await shop.relay.api.patch(
      `/api/store/orders/${shop.order.id}/?shop_id=${shop.shopId}`,
      { status: 'delivered' },
      { token: shop.owner.token },
    );
    expect(delivered.status).toBe(200);
    // (The history keeps the Telegram HTML sent: the `&` escaped.)
    await expect.poll(() => shop.person.texts()).toContain('Delivered: 1001, 24.00 EUR &amp; more');
  });

  it('releases a lead held as spam, which raises its alert then', async () => {
    const { page } = tab;
    // Sent faster than the form's min_fill_ms: held as spam, nobody alerted.
    await postLead(shop.relay, shop.key, { name: 'Quick Quentin', phone: '+79001230000' }, 5);
    await link('leads');
    await atPage(page, 'Leads');
    await page.getByLabel('Spam only').check();
    await page.getByRole('link', { name: /Quick Quentin/ }).click();
    await atPage(page, /^Lead #\d+$/);
    const alerts = async () =>
      (await shop.person.texts()).filter((t) => t.includes('Quick Quentin')).length;
    expect(await alerts()).toBe(0);
    await page.getByRole('button', { name: 'Not spam: release it' }).click();
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText(/released from spam/)
      .waitFor();
    // The alert channel (Ann's chat, for the test) now hears about it, once.
    await expect.poll(alerts).toBe(1);
    await page.getByRole('link', { name: '← All leads' }).click();
    await page.getByRole('link', { name: /Quick Quentin/ }).waitFor();
    expect(await page.getByLabel('Spam only').isChecked()).toBe(false);
  });

  it('filters leads by status, form and date, and exports what the filters show', async () => {
    const { page } = tab;
    const done = await postLead(shop.relay, shop.key, { name: 'Done Dora', phone: '+79001230001' });
    await postLead(shop.relay, shop.key, { name: 'Open Oleg', phone: '+79001230002' });
    await shop.relay.api.patch(
      `/api/store/leads/${done}/?shop_id=${shop.shopId}`,
      { status: 'done' },
      { token: shop.owner.token },
    );
    await link('leads');
    await atPage(page, 'Leads');
    // The list may be open already (same link, no navigation): new leads come with Refresh.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('link', { name: 'Open Oleg' }).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('done');
    await page.getByRole('link', { name: 'Done Dora' }).waitFor();
    expect(await page.getByRole('link', { name: 'Open Oleg' }).count()).toBe(0);
    expect(page.url()).toContain('status=done');
    await page.getByLabel('Form', { exact: true }).selectOption({ label: 'callback' });
    await page.getByRole('link', { name: 'Done Dora' }).waitFor();

    // What the filters show, as a CSV file.
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await file.path())!, 'utf8');
    expect(file.suggestedFilename()).toMatch(/^leads-\d+-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv.split('\r\n')[0]).toBe(
      '\uFEFFid,created_at,status,spam,source,form,name,phone,page_url',
    );
    expect(csv).toContain('Done Dora');
    expect(csv).not.toContain('Open Oleg');

    // Dates: nothing from tomorrow on; today's leads up to today.
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA'); // YYYY-MM-DD, local
    await tab.goto(`#/shops/${shop.shopId}/leads?from=${day(1)}`);
    await page.getByText('0 leads', { exact: true }).waitFor();
    await tab.goto(`#/shops/${shop.shopId}/leads?to=${day(0)}&status=done`);
    await page.getByRole('link', { name: 'Done Dora' }).waitFor();
  });

  it('shows a webhook secret once and retries a failed delivery', async () => {
    const { page } = tab;
    await link('webhooks');
    await atPage(page, 'Webhooks and deliveries');
    await page.getByRole('textbox', { name: 'URL', exact: true }).fill('http://127.0.0.1:9/second');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.locator('tpc-webhooks-page #secret');
    await secret.waitFor();
    const first = (await secret.textContent())!.trim();
    expect(first).toMatch(/^whsec_/);
    // A new signing secret, shown once too.
    await page
      .getByRole('row')
      .filter({ hasText: '/second' })
      .getByRole('button', { name: 'New secret' })
      .click();
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText('New signing secret made')
      .waitFor();
    await expect.poll(async () => (await secret.textContent())!.trim()).not.toBe(first);
    expect((await secret.textContent())!.trim()).toMatch(/^whsec_/);

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

  it('shows a secret key once and revokes it', async () => {
    const { page } = tab;
    await link('keys');
    await atPage(page, 'Keys');
    await page.getByLabel('Kind').selectOption('secret');
    await page.getByRole('textbox', { name: 'Name' }).fill('Backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    const value = page.locator('tpc-key-created #key-value');
    await value.waitFor();
    const key = (await value.textContent())!.trim();
    expect(key).toMatch(/^sk_/);
    expect(await page.locator('tpc-key-created #snippet').count()).toBe(0); // not for a backend
    const as = { token: key };
    expect((await shop.relay.api.get(`/api/store/leads/?shop_id=${shop.shopId}`, as)).status).toBe(
      200,
    );

    const row = page.getByRole('row').filter({ hasText: 'Backend' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await page.locator('tpc-app').getByRole('status').getByText('Key “Backend” revoked.').waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Backend' }).count()).toBe(0);
    expect((await shop.relay.api.get(`/api/store/leads/?shop_id=${shop.shopId}`, as)).status).toBe(
      401,
    );
  });
});
