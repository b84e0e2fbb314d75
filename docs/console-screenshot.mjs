/**
 * docs/console.png, taken from a running demo (`npm start` on an empty database):
 * `node docs/console-screenshot.mjs [out.png] [http://localhost:8787]`. Sends three leads
 * through the demo's contact form, has a person write to the sandbox bot, then signs in to
 * the console as the demo user, takes the conversation over and replies. Needs Chromium
 * (CHROME_PATH or /usr/bin/chromium).
 */
import { chromium } from 'playwright-core';
const base = process.argv[3] ?? 'http://localhost:8787';
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
});
const ctx = await browser.newContext({
  viewport: { width: 1280, height: 800 },
  colorScheme: 'light',
  locale: 'en-US',
});
const page = await ctx.newPage();
const people = [
  ['Maria Lopez', '+34 612 345 678', 'Do you deliver beans on Saturdays?'],
  ['Jonas Berg', '+46 70 123 45 67', 'Call me about a grinder for the office, please.'],
  ['Aiko Tanaka', '+81 90 1234 5678', 'I would like a tasting for 12 people.'],
];
for (const [name, phone, message] of people) {
  await page.goto(`${base}/demo/contact`);
  const form = page.locator('tp-lead-form').first();
  await form.locator('input[name=name]').fill(name);
  await form.locator('input[name=phone]').fill(phone);
  await form.locator('textarea[name=message]').fill(message);
  await form.locator('input[type=checkbox]').check();
  await page.waitForTimeout(1700);
  await form.locator('button[type=submit]').click();
  await page.waitForTimeout(1200);
}
// A person in the sandbox messenger starts the bot and asks something.
const api = async (path, body) => {
  const r = await fetch(`${base}/demo/inbox/api/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return (await r.json()).result;
};
const bot = (await api('bots')).find((b) => b.bot_type === 'sandbox') ?? (await api('bots'))[0];
const sofia = await api('start', { bot_id: bot.id, name: 'Sofia Marino' });
await api('messages', {
  bot_id: bot.id,
  user_id: sofia.user_id,
  text: 'Hi! Do you have decaf beans for a moka pot?',
});
await page.goto(`${base}/console/`);
await page.getByLabel('Email').fill('demo@touchpoint.local');
await page.getByLabel('Password').fill('touchpoint-demo');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('heading', { level: 1, name: 'Getting started' }).waitFor();
await page.goto(`${base}/console/#/shops/1/conversations/${sofia.bot_user_id}`);
await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
await page.getByRole('button', { name: 'Take over' }).click();
await page.getByText(/You answer this person/).waitFor();
await page
  .getByLabel('Reply')
  .fill('Yes! Our Colombian decaf, ground for moka: 250 g for €9.50. Shall I put one aside?');
await page.getByRole('button', { name: 'Send', exact: true }).click();
await page.waitForTimeout(2500);
await page.getByRole('button', { name: 'Refresh' }).last().click();
await page.waitForTimeout(800);
await page.locator('body').evaluate(() => {
  document.activeElement instanceof HTMLElement && document.activeElement.blur();
  window.scrollTo(0, 0);
});
await page.locator('tpc-app').evaluate((app) => {
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.scrollTop) el.scrollTop = 0;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(app.shadowRoot);
});
await page.waitForTimeout(300);
await page.screenshot({ path: process.argv[2] ?? 'docs/console.png' });
await browser.close();
