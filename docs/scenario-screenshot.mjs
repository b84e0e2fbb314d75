/**
 * docs/scenario-editor.png, taken from a running demo (`npm start` on an empty database):
 * `node docs/scenario-screenshot.mjs [out.png] [http://localhost:8787]`. Signs in to the
 * console as the demo user, opens the demo's welcome scenario in the editor and tries it:
 * the test person asks for a call back and sends a phone number, and the path lights up.
 * Needs Chromium (CHROME_PATH or /usr/bin/chromium).
 */
import { chromium } from 'playwright-core';
const base = process.argv[3] ?? 'http://localhost:8787';
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
});
const ctx = await browser.newContext({
  viewport: { width: 1280, height: 820 },
  colorScheme: 'light',
  locale: 'en-US',
});
const page = await ctx.newPage();
await page.goto(`${base}/console/`);
await page.getByLabel('Email').fill('demo@touchpoint.local');
await page.getByLabel('Password').fill('touchpoint-demo');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('heading', { level: 1, name: 'Getting started' }).waitFor();
await page.goto(`${base}/console/#/shops/1/scenarios`);
await page.getByRole('link', { name: 'Welcome: call back' }).click();
await page.locator('tpc-flow-canvas .card').first().waitFor();
await page.getByRole('button', { name: 'Try it' }).click();
const trial = page.locator('tpc-try-panel');
await trial.getByRole('button', { name: 'Request a call back' }).click();
await trial.getByLabel('Answer as the test person').fill('+1 212 555 0100');
await trial.getByRole('button', { name: 'Send' }).click();
await trial.getByText(/A barista will call you/).waitFor();
await page.evaluate(() => window.scrollTo(0, 150));
await page.locator('body').evaluate(() => {
  document.activeElement instanceof HTMLElement && document.activeElement.blur();
});
await page.waitForTimeout(300);
await page.screenshot({ path: process.argv[2] ?? 'docs/scenario-editor.png' });
await browser.close();
