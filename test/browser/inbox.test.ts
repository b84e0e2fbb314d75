import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_MANAGERS_TITLE, seedDemo } from '../../relay/demo/seed.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { sandboxPerson } from '../relay/scenario/sandbox.js';
import { collectErrors, describeBrowser, launch, type Browser, type Page } from './harness.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** CSP violations and console errors from the first script on. */
async function watched(browser: Browser, o: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...o });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return { context, page, errors };
}

const chatNames = (page: Page) => page.locator('#conversation-list .chat-name').allTextContents();

/**
 * The sandbox messenger as a newcomer meets it: a chat list with names and avatars (a
 * group by its title, never "chat -1001"; each chat once), messages in bubbles with their
 * buttons and links, the chat scrolling inside its pane with the composer always in view,
 * dark mode, a phone layout that opens on the chat; manager alerts with their actions (open
 * the lead in the console, mark it handled); a press on an outdated menu shows only the notice.
 */
describeBrowser('the sandbox messenger', () => {
  let browser: Browser;
  let relay: Relay;
  let seeded: Awaited<ReturnType<typeof seedDemo>>;

  beforeAll(async () => {
    [browser, relay] = await Promise.all([
      launch(),
      startRelay({ demo: true, publicRateLimit: 0 }, { scheduler: { maxSleepMs: 100 } }),
    ]);
    seeded = await seedDemo(relay.stores, { publicUrl: relay.url });
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
  });

  it('lists chats by name with avatars, scrolls the chat not the page, and keeps the composer in view', async () => {
    const { context, page, errors } = await watched(browser);
    await page.goto(`${relay.url}/demo/inbox/?bot=${seeded.sandboxBotId}`);
    await page.getByLabel('Your name').fill('Mia Buyer');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.locator('#messages li.out .keyboard button').first().waitFor();
    // Another buyer's chat and the managers' group: each once, by name.
    const other = sandboxPerson(relay, seeded.sandboxBotId);
    await other.start('Olga Other');
    await expect
      .poll(() => chatNames(page), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['Demo Shop Bot (you)', 'Olga Other', DEMO_MANAGERS_TITLE]));
    const names = await chatNames(page);
    expect(new Set(names).size).toBe(names.length);
    expect(names.join(' ')).not.toMatch(/chat -?\d/);
    expect(await page.locator('#conversation-list .avatar').first().textContent()).toMatch(
      /^[A-Z?]{1,2}$/,
    );

    // Many messages: the chat scrolls inside its pane; the page does not; the composer stays.
    for (let i = 0; i < 25; i++) {
      await page.getByLabel('Message').fill(`Message number ${i}`);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
    }
    await page.locator('#messages li.in', { hasText: 'Message number 24' }).waitFor();
    const layout = await page.evaluate(() => {
      const scroll = document.getElementById('scroll')!;
      const compose = document.getElementById('compose')!.getBoundingClientRect();
      return {
        pageScrolls: document.documentElement.scrollHeight > window.innerHeight,
        chatScrolls: scroll.scrollHeight > scroll.clientHeight,
        composerInView: compose.bottom <= window.innerHeight && compose.top >= 0,
        atBottom: scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 4,
      };
    });
    expect(layout).toEqual({
      pageScrolls: false,
      chatScrolls: true,
      composerInView: true,
      atBottom: true,
    });
    expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('gives manager alerts their actions: open the lead in the console, mark it handled', async () => {
    const lead = await relay.api.post(
      '/api/store/leads/',
      { shop_id: seeded.shop.id, fields: { name: 'Nina Lead', phone: '+12125550199' } },
      {
        token: await relay.stores.users.issueToken(
          (await relay.stores.users.findByEmail(seeded.email))!.id,
        ),
      },
    );
    expect(lead.status).toBe(201);
    const { context, page } = await watched(browser);
    await page.goto(`${relay.url}/demo/inbox/?bot=${seeded.sandboxBotId}`);
    await page.locator('#conversation-list button', { hasText: DEMO_MANAGERS_TITLE }).click();
    const alert = page.locator('#messages li.out', { hasText: `New lead #${lead.body.result.id}` });
    await alert.waitFor({ timeout: 10_000 });
    const open = alert.getByRole('link', { name: 'Open in console' });
    expect(await open.getAttribute('href')).toBe(
      `${relay.url}/console/#/shops/${seeded.shop.id}/leads/${lead.body.result.id}`,
    );
    await alert.getByRole('button', { name: 'Mark handled' }).click();
    await expect
      .poll(() => page.locator('#chat-notice').textContent())
      .toBe(`Lead #${lead.body.result.id} marked handled.`);
    await page
      .locator('#messages li.out', { hasText: `✓ Lead #${lead.body.result.id} marked handled` })
      .waitFor({ timeout: 10_000 });
    expect((await relay.stores.leads.get(lead.body.result.id))?.status).toBe('done');
    await context.close();
  }, 30_000);

  it('shows only the notice for a press on an outdated menu, no pressed bubble', async () => {
    const { context, page } = await watched(browser);
    await page.goto(`${relay.url}/demo/inbox/?bot=${seeded.sandboxBotId}`);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    const greeting = page
      .locator('#messages li.out', { has: page.locator('.keyboard button') })
      .first();
    await greeting.waitFor();
    const button = greeting.locator('.keyboard button').first();
    await button.click();
    await page.locator('#messages li.note').first().waitFor();
    const notes = await page.locator('#messages li.note').count();
    await button.click();
    await expect.poll(() => page.locator('#chat-notice').textContent()).toMatch(/out of date/);
    await page.waitForTimeout(1_700); // one poll of the inbox
    expect(await page.locator('#messages li.note').count()).toBe(notes);
    await context.close();
  }, 30_000);

  for (const colorScheme of ['light', 'dark'] as const)
    it(`has no axe violations, ${colorScheme}`, async () => {
      // axe is injected as an inline script: this context lets it past the page's CSP.
      const context = await browser.newContext({ bypassCSP: true, colorScheme });
      const page = await context.newPage();
      await page.goto(`${relay.url}/demo/inbox/?bot=${seeded.sandboxBotId}`);
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      await page.locator('#messages li.out .keyboard button').first().waitFor();
      const background = await page.evaluate(
        () => getComputedStyle(document.documentElement).backgroundColor,
      );
      expect(background).toBe(colorScheme === 'dark' ? 'rgb(15, 20, 25)' : 'rgb(238, 241, 245)');
      await page.addScriptTag({ path: AXE });
      const result = await page.evaluate(() =>
        (window as any).axe.run(document, { resultTypes: ['violations'] }),
      );
      expect(
        result.violations.map((v: { id: string; nodes: { target: unknown }[] }) => [
          v.id,
          v.nodes.map((n) => n.target),
        ]),
      ).toEqual([]);
      await context.close();
    }, 30_000);

  it('opens on the chat at phone width, with a way back to the list', async () => {
    const { context, page } = await watched(browser, {
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    await page.goto(`${relay.url}/demo/inbox/?bot=${seeded.sandboxBotId}`);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.locator('#messages li.out').first().waitFor();
    // Reopened later: the person's chat comes first, the list behind a back button.
    await page.reload();
    await page.locator('#messages li.out').first().waitFor();
    expect(await page.locator('#conversation-list').isVisible()).toBe(false);
    expect(await page.locator('#compose-text').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    await page.getByRole('button', { name: 'Back to chats' }).click();
    expect(await page.locator('#conversation-list').isVisible()).toBe(true);
    await page.screenshot({ path: '/tmp/c2/inbox-phone.png' }).catch(() => {});
    await context.close();
  }, 30_000);
});
