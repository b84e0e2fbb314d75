import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser } from '../browser/harness.js';
import { startRelay, userWithShop, type Relay } from '../helpers/relay.js';
import { atPage, openConsole, signIn, unexpected } from './console.js';

describeBrowser('console roles', () => {
  let browser: Browser;
  let relay: Relay;
  beforeAll(async () => {
    [browser, relay] = await Promise.all([launch(), startRelay()]);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
  });

  /** A shop with its owner, and a manager added the way `touchpoint member:add` would. */
  const shopWithManager = async () => {
    const owner = await userWithShop(relay, 'Roles');
    const email = `manager-${randomUUID().slice(0, 8)}@example.test`;
    const user = await relay.stores.users.create(email, 'correct horse battery');
    await relay.stores.shops.addMember(owner.shop.id, user.id, 'manager');
    return { owner, manager: { email, password: 'correct horse battery' } };
  };

  const navLinks = async (page: import('../browser/harness.js').Page) =>
    (
      await page
        .getByRole('navigation', { name: 'Console' })
        .getByRole('listitem')
        .allTextContents()
    ).map((s) => s.trim());

  it('shows a manager no Keys or Members, and their URLs say owners only', async () => {
    const { owner, manager } = await shopWithManager();
    const tab = await openConsole(browser, relay);
    await tab.goto();
    await signIn(tab.page, manager.email, manager.password);
    await atPage(tab.page, 'Getting started');
    const links = await navLinks(tab.page);
    expect(links).toContain('Leads');
    expect(links).toContain('Forms');
    expect(links).not.toContain('Keys');
    expect(links).not.toContain('Members');
    for (const section of ['keys', 'members']) {
      await tab.goto(`#/shops/${owner.shop.id}/${section}`);
      await tab.page.getByText('Only the shop’s owners see and change this.').waitFor();
    }
    // Bots are operated, not connected, by managers.
    await tab.goto(`#/shops/${owner.shop.id}/channels`);
    await tab.page.getByText('An owner of the shop connects bots.').waitFor();
    expect(await tab.page.getByRole('button', { name: 'Connect' }).count()).toBe(0);
    // The checklist says who creates keys rather than offering a form the API refuses.
    await tab.goto(`#/shops/${owner.shop.id}`);
    await tab.page.getByText('An owner of the shop creates keys.').waitFor();
    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors, [403])).toEqual([]);
    await tab.close();

    // The owner of the same shop sees both, and the manager among the members.
    const ownerTab = await openConsole(browser, relay);
    await ownerTab.goto();
    await signIn(ownerTab.page, owner.email, owner.password);
    await atPage(ownerTab.page, 'Getting started');
    expect(await navLinks(ownerTab.page)).toEqual(expect.arrayContaining(['Keys', 'Members']));
    await ownerTab.goto(`#/shops/${owner.shop.id}/members`);
    await ownerTab.page.getByRole('cell', { name: manager.email, exact: true }).waitFor();
    expect(await ownerTab.page.getByLabel(`Role of ${manager.email}`).inputValue()).toBe('manager');
    await ownerTab.close();
  });

  it('invites a member: the password link is shown once and signs them in as a manager', async () => {
    const owner = await userWithShop(relay, 'Invites');
    const tab = await openConsole(browser, relay);
    await tab.goto();
    await signIn(tab.page, owner.email, owner.password);
    await tab.goto(`#/shops/${owner.shop.id}/members`);
    await atPage(tab.page, 'Members');
    const email = `invited-${randomUUID().slice(0, 8)}@example.test`;
    await tab.page.getByLabel('Email').fill(email);
    await tab.page.getByRole('button', { name: 'Add member' }).click();
    const link = (await tab.page.locator('tpc-members-page #invite').textContent())!.trim();
    expect(link).toMatch(/\/console\/#\/set-password\?token=/);
    await tab.page.getByRole('cell', { name: email, exact: true }).waitFor();
    await tab.close();

    // The invited person opens the link (on this relay's address) and chooses a password.
    const invited = await openConsole(browser, relay);
    await invited.page.goto(`${relay.url}/console/${new URL(link).hash}`);
    await atPage(invited.page, 'Choose your password');
    await invited.page.getByLabel('New password').fill('short');
    await invited.page.getByRole('button', { name: 'Save and sign in' }).click();
    await expect
      .poll(() => invited.page.getByLabel('New password').getAttribute('aria-invalid'))
      .toBe('true');
    await invited.page.getByLabel('New password').fill('a long enough password');
    await invited.page.getByRole('button', { name: 'Save and sign in' }).click();
    await atPage(invited.page, 'Getting started');
    expect(await navLinks(invited.page)).not.toContain('Keys');
    // Used once: the same link no longer works.
    const again = await relay.api.post('/api/auth/set_password/', {
      token: new URLSearchParams(new URL(link).hash.split('?')[1]).get('token'),
      password: 'another long password',
    });
    expect(again.status).toBe(400);
    expect(unexpected(invited.errors, [400])).toEqual([]);
    await invited.close();
  });
});
