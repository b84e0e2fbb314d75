import type { Request } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { LeadRequest } from '../../widget/api/types.js';
import { describeBrowser, launch, settled, type Browser, type Page } from './harness.js';
import { startShop, type Shop } from './shop.js';

/**
 * The lead form in Chromium against the relay: what the visitor sees, what goes over the
 * wire (read from the browser's own requests) and what the relay stored (its API).
 */
describeBrowser('lead form', () => {
  let browser: Browser;
  let shop: Shop;
  let page: Page;
  /** The bodies of the page's POST /public/v1/leads requests, retries included. */
  let sent: LeadRequest[];
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });
  beforeEach(async (ctx) => {
    page = await browser.newPage();
    ctx.onTestFinished(() => page.close());
    sent = [];
    page.on('request', (r: Request) => {
      if (r.method() === 'POST' && r.url().endsWith('/public/v1/leads'))
        sent.push(JSON.parse(r.postData()!));
    });
    await shop.clearLeads();
  });

  const open = async (body = '<tp-lead-form form="callback"></tp-lead-form>') => {
    await page.goto(shop.page({ body }));
    await settled(page);
    await page.locator('tp-lead-form input[name=email]').first().waitFor();
  };
  const fill = async (scope = 'tp-lead-form') => {
    await page.locator(`${scope} input[name=name]`).fill('Ann Lee');
    await page.locator(`${scope} input[name=email]`).fill('ann@example.com');
    await page.locator(`${scope} input[name=phone]`).fill('+1 555 123 4567');
    await page.locator(`${scope} input[name=consent]`).check();
  };
  const status = () => page.locator('tp-lead-form [role=status]').first().textContent();
  const events = () =>
    page.evaluate(() => {
      const log: string[] = ((window as any).__events = []);
      for (const n of ['tp-submit', 'tp-success', 'tp-error'])
        document.addEventListener(n, (e) =>
          log.push(`${n}:${JSON.stringify((e as CustomEvent).detail)}`),
        );
    });
  const logged = () => page.evaluate(() => (window as any).__events as string[]);

  it('validates as the visitor types and announces the errors', async () => {
    await open();
    await page.locator('tp-lead-form button[type=submit]').click();
    const name = page.locator('tp-lead-form input[name=name]');
    const email = page.locator('tp-lead-form input[name=email]');
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await status()).toBe(
      'Check these fields: Name, Email, I agree to be contacted about my request.',
    );
    expect(await page.locator('tp-lead-form [role=status]').getAttribute('role')).toBe('status');
    // The message is tied to its field, and focus went to the first invalid one.
    expect(await name.getAttribute('aria-describedby')).toBe('e-name');
    expect(await page.locator('tp-lead-form #e-name').textContent()).toBe(
      'This field is required.',
    );
    expect(
      await page.evaluate(
        () => document.querySelector('tp-lead-form')!.shadowRoot!.activeElement?.id,
      ),
    ).toBe('f-name');
    // As the visitor types: a wrong address is flagged, a fixed one cleared at once.
    await email.fill('ann@');
    expect(await page.locator('tp-lead-form #e-email').textContent()).toMatch(/email/i);
    await email.fill('ann@example.com');
    expect(await email.getAttribute('aria-invalid')).toBe('false');
    await page.locator('tp-lead-form input[name=phone]').fill('12');
    await page.locator('tp-lead-form input[name=phone]').blur();
    expect(await page.locator('tp-lead-form #e-phone').textContent()).toMatch(/phone/i);
    expect(sent).toHaveLength(0);
    expect(await shop.leads()).toHaveLength(0);
  });

  it('sends the lead with honeypot, fill time and submission id, and reports success', async () => {
    await open();
    await events();
    await fill();
    await page.locator('tp-lead-form select[name=topic]').selectOption('order');
    await page.locator('tp-lead-form button[type=submit]').click();
    await expect.poll(status).toBe('Thank you! We will be in touch soon.');
    expect(sent).toHaveLength(1);
    const lead = sent[0];
    expect(lead).toMatchObject({
      key: shop.pk,
      form: 'callback',
      fields: {
        name: 'Ann Lee',
        email: 'ann@example.com',
        phone: '+1 555 123 4567',
        topic: 'order',
        message: '',
      },
      consent: { version: '2024-01' },
      hp: '',
      page: { title: 'Test page' },
    });
    expect(lead.submission_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lead.elapsed_ms).toBeGreaterThan(0);
    expect(lead.visitor_id).toMatch(/^[0-9a-f-]{36}$/);
    const stored = await shop.leads();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      form_name: 'callback',
      source: 'widget',
      spam: false,
      fields: { name: 'Ann Lee', email: 'ann@example.com', phone: '+15551234567', topic: 'order' },
      page: { title: 'Test page' },
      visitor_id: lead.visitor_id,
    });
    expect(JSON.stringify(stored[0].consent)).toContain('2024-01');
    const log = await logged();
    expect(log.map((l) => l.split(':')[0])).toEqual(['tp-submit', 'tp-success']);
    expect(log[1]).toContain(`"lead_id":${stored[0].id}`);
    expect(await page.locator('tp-lead-form form').count()).toBe(0);
  });

  it('retries a network failure with the same submission id and stores exactly one lead', async () => {
    await open();
    await events();
    const seen: string[] = [];
    let calls = 0;
    // The worst case: the relay stores the lead, then the connection drops before the answer.
    await page.route('**/public/v1/leads', async (route) => {
      seen.push(JSON.parse(route.request().postData()!).submission_id);
      calls += 1;
      if (calls === 1) {
        await route.fetch();
        await route.abort('connectionreset');
      } else if (calls === 2) await route.abort('internetdisconnected');
      else await route.continue();
    });
    await fill();
    await page.locator('tp-lead-form button[type=submit]').click();
    await expect.poll(status, { timeout: 10_000 }).toBe('Thank you! We will be in touch soon.');
    expect(calls).toBe(3);
    expect(new Set(seen).size).toBe(1);
    const stored = await shop.leads();
    expect(stored).toHaveLength(1);
    expect(stored[0].fields.email).toBe('ann@example.com');
    expect((await logged()).filter((l) => l.startsWith('tp-success'))).toHaveLength(1);
  });

  it('waits as long as Retry-After says when the relay is busy', async () => {
    await open();
    const times: number[] = [];
    await page.route('**/public/v1/leads', async (route) => {
      times.push(Date.now());
      if (times.length === 1)
        await route.fulfill({
          status: 429,
          headers: { 'retry-after': '2', 'content-type': 'application/json' },
          body: JSON.stringify({
            status: 'error',
            errors: { common: 'Too many requests. Try again later.' },
          }),
        });
      else await route.continue();
    });
    await fill();
    await page.locator('tp-lead-form button[type=submit]').click();
    await expect.poll(status).toBe('No connection. Retrying…');
    await expect.poll(status, { timeout: 10_000 }).toBe('Thank you! We will be in touch soon.');
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(1900);
    expect(await shop.leads()).toHaveLength(1);
  });

  it("shows the relay's field errors on their fields and fires tp-error", async () => {
    await open();
    await events();
    await page.route('**/public/v1/leads', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          status: 'error',
          errors: {
            common: 'Check the highlighted fields.',
            'fields.email': ['This address cannot receive mail.'],
          },
        }),
      }),
    );
    await fill();
    await page.locator('tp-lead-form button[type=submit]').click();
    await expect
      .poll(() => page.locator('tp-lead-form #e-email').textContent())
      .toBe('This address cannot receive mail.');
    expect(await page.locator('tp-lead-form input[name=email]').getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect(await status()).toBe('Check these fields: Email.');
    const error = (await logged()).find((l) => l.startsWith('tp-error'))!;
    expect(JSON.parse(error.slice('tp-error:'.length))).toMatchObject({
      source: 'lead',
      status: 400,
      fields: { 'fields.email': ['This address cannot receive mail.'] },
    });
  });

  it('hands a lead still in flight to the browser with keepalive when the page goes away', async () => {
    await open();
    let calls = 0;
    await page.route('**/public/v1/leads', async (route) => {
      calls += 1;
      if (calls > 1) await route.continue(); // the first is never answered
    });
    await fill();
    await page.locator('tp-lead-form button[type=submit]').click();
    await expect.poll(status).toBe('Sending…');
    await page.goto('about:blank');
    await expect.poll(async () => (await shop.leads()).length).toBe(1);
    expect((await shop.leads())[0].fields.email).toBe('ann@example.com');
  });

  it('keeps two forms on one page independent', async () => {
    await open(
      '<tp-lead-form id="a" form="callback"></tp-lead-form><tp-lead-form id="b" form="newsletter"></tp-lead-form>',
    );
    await page.locator('#b input[name=email]').fill('news@example.com');
    await page.locator('#b button[type=submit]').click();
    await expect
      .poll(() => page.locator('#b [role=status]').textContent())
      .toBe('Thank you! We will be in touch soon.');
    expect(await page.locator('#a [role=status]').textContent()).toBe('');
    expect(await page.locator('#a input[name=name]').getAttribute('aria-invalid')).toBe('false');
    await fill('#a');
    await page.locator('#a button[type=submit]').click();
    await expect
      .poll(() => page.locator('#a [role=status]').textContent())
      .toBe('Thank you! We will be in touch soon.');
    expect((await shop.leads()).map((l) => l.form_name)).toEqual(['newsletter', 'callback']);
    expect(sent.map((l) => l.form)).toEqual(['newsletter', 'callback']);
    expect(sent[0].submission_id).not.toBe(sent[1].submission_id);
  });

  it('enhances a plain form placed inside it', async () => {
    await open(`<tp-lead-form>
      <form action="/public/v1/forms/${shop.pk}" method="post">
        <input type="hidden" name="form" value="newsletter">
        <label for="pe">Your email</label><input id="pe" name="email" type="email" required>
        <input name="hp" type="text" tabindex="-1" autocomplete="off" hidden>
        <button>Subscribe</button>
      </form></tp-lead-form>`);
    await page.locator('tp-lead-form button').click();
    const input = page.locator('#pe');
    await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
    const note = await input.getAttribute('aria-describedby');
    expect(await page.locator(`#${note}`).textContent()).toBe('This field is required.');
    expect(await status()).toBe('Check these fields: Your email.');
    await input.fill('plain@example.com');
    await page.locator('tp-lead-form button').click();
    await expect.poll(status).toBe('Thank you! We will be in touch soon.');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      form: 'newsletter',
      fields: { email: 'plain@example.com' },
      hp: '',
    });
    expect(await shop.leads()).toMatchObject([
      { form_name: 'newsletter', fields: { email: 'plain@example.com' }, spam: false },
    ]);
    expect(page.url()).toContain('/pages/'); // no navigation to the no-JS endpoint
  });
});
