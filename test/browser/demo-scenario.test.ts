import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_FLOW_BUTTONS, DEMO_FLOW_TEXT } from '../../relay/demo/flow.js';
import { DEMO_LOGIN, DEMO_MANAGERS_CHAT, seedDemo } from '../../relay/demo/seed.js';
import { sql } from '../../relay/db/sql.js';
import { NOTICES } from '../../relay/scenario/runtime/engine.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import {
  collectErrors,
  describeBrowser,
  launch,
  proxyTo,
  startSite,
  type Browser,
  type Page,
  type Site,
} from './harness.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const NAME = 'Robin Roast';
const say = (text: string) =>
  text.replaceAll('{{name}}', NAME).replace('{{phone}}', '+12125550123');

/** One bot message in the open chat of the inbox, found by its text. */
const botMessage = (page: Page, text: string) =>
  page.locator('#messages li.out', { hasText: say(text).slice(0, 40) });

/**
 * The demo's seeded welcome flow as a newcomer runs it in the sandbox inbox (/demo/inbox/)
 * after `npm start`: Start → the greeting with its buttons → a press → the phone question,
 * answered wrongly then rightly → the thank-you, the lead and the managers' alert → the
 * follow-up after its pause. A press on the greeting once the flow has moved on gets the
 * outdated-menu notice and moves nothing. The real relay, its delivery worker and scheduler.
 */
describeBrowser('demo welcome scenario in the sandbox inbox', () => {
  let browser: Browser;
  let relay: Relay;
  let site: Site;
  let seeded: Awaited<ReturnType<typeof seedDemo>>;
  /** Where the buyer's run is; this relay has only the one. */
  const runs = () => relay.db.all(sql(`SELECT step_id, waiting, seq FROM scenario_runs`));
  const sentTo = (chatId: string) =>
    relay.db.get(sql(`SELECT count(*) AS n FROM deliveries WHERE chat_id = ?`), [chatId]);

  beforeAll(async () => {
    let relayUrl = '';
    site = await startSite(proxyTo(() => relayUrl));
    [browser, relay] = await Promise.all([
      launch(),
      startRelay(
        { demo: true, publicRateLimit: 0, publicUrl: site.url },
        { scheduler: { maxSleepMs: 100 } },
      ),
    ]);
    relayUrl = relay.url;
    seeded = await seedDemo(relay.stores, { publicUrl: site.url });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await relay?.close();
  });

  it('greets with buttons, asks for a phone until it is one, makes a lead and alerts the managers', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.addInitScript(() => {
      (window as any).__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await page.goto(`${site.url}/demo/inbox/?bot=${seeded.sandboxBotId}`);
    await page.getByLabel('Your name').fill(NAME);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect.poll(() => page.locator('#start-result').textContent()).toBe('Subscribed.');
    const userId = (await page.evaluate(() => localStorage.getItem('tp-inbox-user')))!;

    // The greeting: a step button as a real <button>, the URL button as a link to the shop.
    const greeting = botMessage(page, DEMO_FLOW_TEXT.greeting);
    await greeting.waitFor({ timeout: 10_000 });
    expect(await greeting.locator('span').first().textContent()).toBe(say(DEMO_FLOW_TEXT.greeting));
    expect(await greeting.getByRole('button').allTextContents()).toEqual([
      DEMO_FLOW_BUTTONS.callBack,
    ]);
    const catalog = greeting.getByRole('link', { name: DEMO_FLOW_BUTTONS.catalog });
    expect(await catalog.getAttribute('href')).toBe(`${site.url}/demo/`);

    // A press → the question.
    await greeting.getByRole('button', { name: DEMO_FLOW_BUTTONS.callBack }).click();
    await botMessage(page, DEMO_FLOW_TEXT.ask).waitFor({ timeout: 10_000 });
    const { rows: steps } = await relay.stores.scenario.steps.list(
      seeded.shop.id,
      seeded.welcomeFlowId,
      { limit: 100, offset: 0 },
    );
    const question = steps.find((s) => s.name === 'phone')!;
    const waiting = await runs();
    expect(waiting).toMatchObject([{ step_id: question.id, waiting: 'answer' }]);

    // The greeting's button again, now outdated: a polite notice, and nothing moves.
    const before = await sentTo(userId);
    await greeting.getByRole('button', { name: DEMO_FLOW_BUTTONS.callBack }).click();
    const notice = page.getByRole('status').and(page.locator('#chat-notice'));
    await expect.poll(() => notice.textContent()).toBe(NOTICES.stale);
    expect(await runs()).toEqual(waiting);
    expect(await sentTo(userId)).toEqual(before);
    await page.waitForTimeout(1_600); // one poll of the inbox: still only the one question
    expect(await botMessage(page, DEMO_FLOW_TEXT.ask).count()).toBe(1);

    // A wrong answer → the step's error text; a right one → the thank-you.
    const send = async (text: string) => {
      await page.getByLabel('Message').fill(text);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
    };
    await send('call me maybe');
    await botMessage(page, DEMO_FLOW_TEXT.invalid).waitFor({ timeout: 10_000 });
    expect(await notice.textContent()).toBe('');
    expect(await runs()).toMatchObject([{ step_id: question.id, waiting: 'answer' }]);
    await send('+1 212 555 0123');
    const thanks = botMessage(page, DEMO_FLOW_TEXT.thanks);
    await thanks.waitFor({ timeout: 10_000 });
    expect(await thanks.locator('span').first().textContent()).toBe(say(DEMO_FLOW_TEXT.thanks));

    // The lead, through the management API as the shop's system would read it.
    const login = await relay.api.post('/api/auth/login/', DEMO_LOGIN);
    const leads = await relay.api.get(`/api/store/leads/?shop_id=${seeded.shop.id}`, {
      token: login.body.result.token,
    });
    expect(leads.body.result.results).toMatchObject([
      {
        source: 'bot',
        form_name: 'callback',
        fields: { name: NAME, phone: '+12125550123' },
        bot_user_id: expect.any(Number),
      },
    ]);
    const leadId: number = leads.body.result.results[0].id;

    // After the pause, the follow-up; the flow is over.
    await botMessage(page, DEMO_FLOW_TEXT.followUp).waitFor({ timeout: 15_000 });
    expect(await runs()).toMatchObject([{ step_id: null, waiting: null }]);

    // The managers' alert, where the demo shows it: their chat in the same inbox.
    await page.locator('#conversation-list button', { hasText: /Managers/ }).click();
    await expect
      .poll(() => page.locator('#messages li').allTextContents(), { timeout: 10_000 })
      .toContainEqual(
        expect.stringMatching(
          new RegExp(`New lead #${leadId}: callback.*${NAME}.*\\+12125550123`, 's'),
        ),
      );
    expect(
      await relay.db.all(
        sql(`SELECT kind FROM deliveries WHERE chat_id = ? AND event = 'lead.created'`),
        [DEMO_MANAGERS_CHAT],
      ),
    ).toEqual([{ kind: 'sandbox' }]);

    expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000); // the inbox polls every 1.5 s, and the follow-up waits 5 s

  it('shows the greeting’s buttons accessibly (axe, WCAG A and AA)', async () => {
    // axe is injected as an inline script: this context lets it past the page's CSP.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${site.url}/demo/inbox/?bot=${seeded.sandboxBotId}`);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.locator('#messages li.out .keyboard button').waitFor({ timeout: 10_000 });
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
});
