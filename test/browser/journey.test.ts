import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../relay/auth/secrets.js';
import { collectErrors, describeBrowser, launch, settled, type Browser } from './harness.js';
import { JOURNEY_FORMS, startShop, type Shop } from './shop.js';

/**
 * The visitor's path on the shop's own site: the page on one origin, the widget and its API
 * on the relay's, so every call is a CORS request the shop's publishable key must allow.
 */
describeBrowser('journey', () => {
  let browser: Browser;
  let j: Shop;
  beforeAll(async () => {
    [browser, j] = await Promise.all([launch(), startShop({ forms: JOURNEY_FORMS })]);
  });
  afterAll(async () => {
    await browser?.close();
    await j?.close();
  });

  describe('a visitor leaves a lead', () => {
    it("renders the shop's form from the relay's config and stores the lead", async () => {
      const page = await browser.newPage();
      const errors = collectErrors(page);
      await page.goto(j.crossOriginPage('<tp-lead-form form="callback"></tp-lead-form>'));
      await settled(page);
      const form = page.locator('tp-lead-form');
      await form.locator('input[name=name]').waitFor();
      expect(await form.locator('label[for=f-name]').textContent()).toContain('Your name');
      expect(await form.locator('label[for=f-consent]').textContent()).toContain(
        'I agree to be contacted.',
      );
      await form.locator('input[name=name]').fill('Journey Ann');
      await form.locator('input[name=email]').fill('journey@example.com');
      await form.locator('input[name=consent]').check();
      await form.locator('button[type=submit]').click();
      await expect
        .poll(() => form.locator('[role=status]').textContent())
        .toBe('Thank you! We will be in touch soon.');
      const leads = await j.leads();
      expect(leads).toHaveLength(1);
      expect(leads[0]).toMatchObject({
        spam: false,
        fields: { name: 'Journey Ann', email: 'journey@example.com' },
      });
      expect(errors).toEqual([]);
      await page.close();
    });

    it('announces validation errors before anything is sent', async () => {
      const page = await browser.newPage();
      await page.goto(j.crossOriginPage('<tp-lead-form form="callback"></tp-lead-form>'));
      await settled(page);
      const form = page.locator('tp-lead-form');
      await form.locator('input[name=email]').fill('not-an-address');
      await form.locator('button[type=submit]').click();
      await expect
        .poll(() => form.locator('[role=status]').textContent())
        .toMatch(/^Check these fields: Your name, Email/);
      expect(await form.locator('input[name=email]').getAttribute('aria-invalid')).toBe('true');
      expect(await form.locator('#e-email').textContent()).toMatch(/email/i);
      await page.close();
    });

    it('recovers from a network failure and stores exactly one lead', async () => {
      const before = (await j.leads()).length;
      const page = await browser.newPage();
      let calls = 0;
      await page.route('**/public/v1/leads', async (route) => {
        calls += 1;
        if (route.request().method() !== 'POST') return route.continue();
        if (calls <= 2) {
          await route.fetch(); // the relay stores it…
          return route.abort('connectionreset'); // …and the answer never arrives
        }
        return route.continue();
      });
      await page.goto(j.crossOriginPage('<tp-lead-form form="newsletter"></tp-lead-form>'));
      await settled(page);
      const form = page.locator('tp-lead-form');
      await form.locator('input[name=email]').fill('flaky@example.com');
      await form.locator('button[type=submit]').click();
      await expect
        .poll(() => form.locator('[role=status]').textContent(), { timeout: 10_000 })
        .toBe('Thank you! We will be in touch soon.');
      expect(calls).toBeGreaterThanOrEqual(3);
      const leads = (await j.leads()).filter((l) => l.fields.email === 'flaky@example.com');
      expect(leads).toHaveLength(1);
      expect((await j.leads()).length).toBe(before + 1);
      await page.close();
    });

    it('keeps two forms on one page independent', async () => {
      const page = await browser.newPage();
      await page.goto(
        j.crossOriginPage(
          '<tp-lead-form id="a" form="callback"></tp-lead-form><tp-lead-form id="b" form="newsletter"></tp-lead-form>',
        ),
      );
      await settled(page);
      await page.locator('#b input[name=email]').fill('second@example.com');
      await page.locator('#b button[type=submit]').click();
      await expect
        .poll(() => page.locator('#b [role=status]').textContent())
        .toBe('Thank you! We will be in touch soon.');
      expect(await page.locator('#a [role=status]').textContent()).toBe('');
      expect(await page.locator('#a input[name=name]').inputValue()).toBe('');
      expect((await j.leads()).filter((l) => l.fields.email === 'second@example.com')).toHaveLength(
        1,
      );
      await page.close();
    });
  });

  describe('a visitor subscribes to a messenger bot', () => {
    it('opens a deep link carrying a fresh, stored token on every click', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(j.crossOriginPage('<tp-subscribe channels="sandbox"></tp-subscribe>'));
      await settled(page);
      const link = page.locator('tp-subscribe a[part~=link]');
      await link.waitFor();
      expect(await link.textContent()).toBe('Subscribe in Sandbox');
      const tokens: string[] = [];
      for (let i = 0; i < 2; i++) {
        const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
        await popup.waitForLoadState();
        const url = new URL(popup.url());
        expect(url.pathname).toBe('/demo/inbox/');
        expect(url.searchParams.get('bot')).toBe(String(j.bots.sandbox));
        tokens.push(url.searchParams.get('start')!);
        await popup.close();
      }
      expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(tokens[1]).not.toBe(tokens[0]);
      expect((await j.optins()).map((o) => o.token_hash)).toEqual(tokens.map(hashToken));
      await context.close();
    });
  });
});
