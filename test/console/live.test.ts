import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser } from '../browser/harness.js';
import { testDatabase, type TestDatabase } from '../helpers/engine.js';
import { freePort } from '../helpers/process.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { atPage, openConsole, signIn, unexpected } from './console.js';
import { postLead, startConsoleShop, type ConsoleShop } from './shop.js';

/**
 * The leads list live, through the relay's event stream: a lead that arrives while the list is
 * open shows up without a reload; the stream ends when the person logs out; and after a relay
 * restart the console reconnects and catches up with what arrived while it was down.
 */
describeBrowser('console live updates', () => {
  let browser: Browser;
  let shop: ConsoleShop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startConsoleShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  it('shows a lead of its shop that arrives while the list is open (not another shop’s), without a reload, and ends the stream on logout', async () => {
    const tab = await openConsole(browser, shop.relay);
    const { page } = tab;
    await tab.goto();
    await signIn(page, shop.owner.email, shop.owner.password);
    await tab.goto(`#/shops/${shop.shopId}/leads`);
    await atPage(page, 'Leads');
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 10_000 });
    await page.getByText('1 lead', { exact: true }).waitFor();
    let reloads = 0;
    page.on('framenavigated', () => (reloads += 1));

    // Another shop of the same person: its lead is not this shop's event.
    const other = await shop.relay.api.post(
      '/api/shop/shops/',
      { name: 'Other shop' },
      { token: shop.owner.token },
    );
    const elsewhere = await shop.relay.api.post(
      '/api/store/leads/',
      { shop_id: other.body.result.id, fields: { name: 'Olga Elsewhere' } },
      { token: shop.owner.token },
    );
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(201);
    await postLead(shop.relay, shop.key, { name: 'Quinn Live', phone: '+79005550101' });
    await page.getByRole('link', { name: 'Quinn Live' }).waitFor({ timeout: 10_000 });
    await page.getByText('2 leads', { exact: true }).waitFor();
    await page.locator('tpc-app').getByRole('status').getByText('New lead: Quinn Live').waitFor();
    expect(await page.getByText('Olga Elsewhere').count()).toBe(0);
    expect(reloads).toBe(0);
    expect(shop.relay.events.size()).toBe(1);

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await atPage(page, 'Sign in to Touchpoint');
    await expect.poll(() => shop.relay.events.size(), { timeout: 5_000 }).toBe(0);

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors)).toEqual([]);
    await tab.close();
  });
});

describeBrowser('console live updates across a relay restart', () => {
  let browser: Browser;
  let database: TestDatabase;
  let relay: Relay;
  beforeAll(async () => {
    [browser, database] = await Promise.all([launch(), testDatabase({ prefix: 'live' })]);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    await database?.drop();
  });

  it('reconnects after a relay restart and shows the lead that arrived meanwhile', async () => {
    const port = await freePort();
    const start = () => startRelay({ ...database.config, port, demo: true, publicRateLimit: 0 });
    relay = await start();
    const email = `live-${Date.now()}@example.test`;
    const user = await relay.stores.users.create(email, 'correct horse battery');
    const token = await relay.stores.users.issueToken(user.id);
    const shop = (await relay.api.post('/api/shop/shops/', { name: 'Restart' }, { token })).body
      .result;
    const key = (
      await relay.api.post(
        '/api/shop/keys/',
        { shop_id: shop.id, kind: 'publishable', allowed_origins: ['https://shop.example'] },
        { token },
      )
    ).body.result.key;
    await relay.api.post(
      '/api/store/forms/',
      {
        shop_id: shop.id,
        name: 'callback',
        fields: [{ name: 'name', label: { en: 'Name' }, type: 'text', required: true }],
        min_fill_ms: 0,
      },
      { token },
    );

    const tab = await openConsole(browser, relay);
    const { page } = tab;
    await tab.goto();
    await signIn(page, email, 'correct horse battery');
    await tab.goto(`#/shops/${shop.id}/leads`);
    await atPage(page, 'Leads');
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 10_000 });
    await postLead(relay, key, { name: 'Before Restart' });
    await page.getByRole('link', { name: 'Before Restart' }).waitFor({ timeout: 10_000 });

    // The relay stops; a new one starts on the same database and port. A lead arrives
    // before the console has reconnected (it waits the stream's `retry:` of 3 s)…
    await relay.close();
    await page.getByText('Reconnecting…').waitFor({ timeout: 10_000 });
    relay = await start();
    await postLead(relay, key, { name: 'While Away' });
    // …and is there once the console is back, caught up from its last event id.
    await page.getByRole('link', { name: 'While Away' }).waitFor({ timeout: 15_000 });
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByText('2 leads', { exact: true }).waitFor();

    expect(await tab.violations()).toEqual([]);
    await tab.close();
  }, 60_000);
});
