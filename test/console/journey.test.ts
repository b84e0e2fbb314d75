import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, type Browser, type Page } from '../browser/harness.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { atPage, deepHtml, heading, openConsole, signIn, unexpected } from './console.js';

/** The deepest focused element's tag and text, through shadow roots. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el ? `${el.localName}:${el.textContent?.trim()}` : '';
  });

/** The checklist's "n of 5 steps done", whitespace collapsed. */
const progress = async (page: Page) =>
  (await page.getByText(/of 5 steps done/).textContent())?.replace(/\s+/g, ' ').trim();

/** The lead form inside the preview: the widget's own shadow root. */
const preview = (page: Page) => page.locator('tpc-form-preview tp-lead-form');

describeBrowser('console journey', () => {
  let browser: Browser;
  let relay: Relay;
  beforeAll(async () => {
    [browser, relay] = await Promise.all([launch(), startRelay({ publicRateLimit: 0 })]);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.close();
  });

  /** A platform user with no shop yet, as after `touchpoint user:create`. */
  const newUser = async () => {
    const email = `journey-${randomUUID().slice(0, 8)}@example.test`;
    await relay.stores.users.create(email, 'correct horse battery');
    return { email, password: 'correct horse battery' };
  };

  it('goes from sign-in to a first lead: shop, key and snippet, form with preview, lead, status', async () => {
    const user = await newUser();
    const tab = await openConsole(browser, relay);
    const { page } = tab;
    await page.goto(relay.url); // `/` → /console/ → the sign-in
    await atPage(page, 'Sign in to Touchpoint');
    expect(new URL(page.url()).pathname).toBe('/console/');

    // A wrong password: the API's sentence, next to nothing, said as an alert.
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Unable to log in/);

    await signIn(page, user.email, user.password);
    await atPage(page, 'Create your first shop');
    // The token is this tab's: sessionStorage, never localStorage.
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('tpc.session') ?? '',
      local: JSON.stringify({ ...localStorage }),
    }));
    const token = JSON.parse(stored.session).token as string;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.local).not.toContain(token);

    await page.getByLabel('Shop name').fill('Coffee corner');
    await page.getByRole('button', { name: 'Create shop' }).click();
    await atPage(page, 'Getting started');
    await expect.poll(() => progress(page)).toBe('0 of 5 steps done');
    // Focus moved to the new view's heading, for screen readers.
    expect(await focused(page)).toBe('h1:Getting started');
    const shops = await relay.api.get('/api/shop/shops/', { token });
    const shopId = shops.body.result.results[0].id as number;
    expect(shops.body.result.results[0].name).toBe('Coffee corner');

    // Step 1: a publishable key for the site, shown once with its snippet.
    await page.getByLabel('Your site’s origins').fill('https://coffee.example');
    await page.getByRole('button', { name: 'Create key and snippet' }).click();
    const keyText = page.locator('tpc-key-created #key-value');
    await keyText.waitFor();
    const key = (await keyText.textContent())!.trim();
    expect(key).toMatch(/^pk_/);
    const snippet = await page.locator('tpc-key-created #snippet').textContent();
    expect(snippet).toContain(
      `<script async src="${relay.url}/widget/touchpoint.js" data-key="${key}"></script>`,
    );
    expect(snippet).toContain('<tp-lead-form form="callback"></tp-lead-form>');
    await expect.poll(() => progress(page)).toBe('1 of 5 steps done');
    expect(await deepHtml(page)).toContain(key);
    await page.getByRole('button', { name: 'Copy the snippet' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText('Copied to the clipboard.')
      .waitFor();
    // Shown once: after a reload (same tab, same session) the key is nowhere on the page.
    await page.reload();
    await atPage(page, 'Getting started');
    await expect.poll(() => progress(page)).toBe('1 of 5 steps done');
    const markup = await deepHtml(page);
    expect(markup).toContain('Put the widget on your site'); // the walk reaches the page
    expect(markup).not.toContain(key);
    const keys = await relay.api.get(`/api/shop/keys/?shop_id=${shopId}`, { token });
    expect(keys.body.result.results).toMatchObject([
      { kind: 'publishable', allowed_origins: ['https://coffee.example'] },
    ]);

    // Step 4: a form, with the real widget previewing the draft as it is typed.
    await page.getByRole('link', { name: 'Create a form' }).click();
    await atPage(page, 'New form');
    await preview(page).locator('input[name=phone]').waitFor();
    await page.locator('#f0-en').fill('Your name');
    await expect
      .poll(() => preview(page).locator('label[for]').first().textContent())
      .toContain('Your name');
    await page.getByRole('button', { name: '+ Add a field' }).click();
    await page.locator('#f2-name').fill('email');
    await page.locator('#f2-type').selectOption('email');
    await page.locator('#f2-en').fill('Email');
    await preview(page).locator('input[name=email][type=email]').waitFor();
    // The preview validates like the widget and sends nothing.
    await preview(page).locator('input[name=name]').fill('Preview person');
    await preview(page).locator('input[name=phone]').fill('+79123456789');
    await preview(page).locator('button[type=submit]').click();
    await page.getByText('The form is valid. A visitor’s lead would carry:').waitFor();
    expect(
      (await relay.api.get(`/api/store/leads/?shop_id=${shopId}`, { token })).body.result.count,
    ).toBe(0);

    // An invalid name: the API's message next to the field it concerns.
    await page.getByLabel('Form name').fill('Call Back');
    await page.getByRole('button', { name: 'Save form' }).click();
    const nameInput = page.getByLabel('Form name');
    await expect.poll(() => nameInput.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#form-name-error').textContent()).toMatch(/lowercase/i);
    await nameInput.fill('callback');
    await page.getByRole('button', { name: 'Save form' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/shops\/\d+\/forms\/\d+$/);
    await atPage(page, 'Edit form');
    const forms = await relay.api.get(`/api/store/forms/?shop_id=${shopId}`, { token });
    expect(forms.body.result.results[0]).toMatchObject({
      name: 'callback',
      fields: [
        { name: 'name', label: { en: 'Your name', ru: 'Имя' }, required: true },
        { name: 'phone', type: 'tel' },
        { name: 'email', type: 'email', label: { en: 'Email' } },
      ],
    });

    // Step 5: leads. The list is open when a visitor's lead arrives; Refresh shows it.
    await page.getByRole('link', { name: 'Leads' }).click();
    await atPage(page, 'Leads');
    await page.getByText('0 leads').waitFor();
    const posted = await relay.api.post('/public/v1/leads', {
      key,
      form: 'callback',
      fields: { name: 'Ann Visitor', phone: '+79123456789', email: 'ann@example.com' },
      page: { url: 'https://coffee.example/contact', referrer: '', title: 'Contact us' },
      utm: { source: 'newsletter', campaign: 'spring' },
      visitor_id: 'v-journey',
      hp: '',
      elapsed_ms: 8000,
      submission_id: randomUUID(),
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByText('1 lead', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Ann Visitor' }).click();
    await atPage(page, `Lead #${posted.body.result.lead_id}`);
    await page.getByText('https://coffee.example/contact').waitFor();
    await page.getByText('newsletter').waitFor();
    await page.getByText('Contact us').waitFor();

    await page.getByLabel('Status', { exact: true }).selectOption('in_progress');
    await page.getByRole('button', { name: 'Change status' }).click();
    await page
      .locator('tpc-app')
      .getByRole('status')
      .getByText('Status changed to In progress.')
      .waitFor();
    const lead = await relay.api.get(
      `/api/store/leads/${posted.body.result.lead_id}/?shop_id=${shopId}`,
      {
        token,
      },
    );
    expect(lead.body.result.status).toBe('in_progress');

    await page.getByRole('link', { name: 'Getting started' }).click();
    await expect.poll(() => progress(page)).toBe('3 of 5 steps done');

    expect(await tab.violations()).toEqual([]);
    expect(unexpected(tab.errors, [400, 401])).toEqual([]);
    await tab.close();
  });

  it('ends the session: log out, log out everywhere, and a revoked token back to sign-in', async () => {
    const user = await newUser();
    const first = await relay.api.post('/api/auth/login/', user);
    await relay.api.post('/api/shop/shops/', { name: 'Tea' }, { token: first.body.result.token });
    const coffee = await relay.api.post(
      '/api/shop/shops/',
      { name: 'Coffee' },
      { token: first.body.result.token },
    );

    // Two tabs of two browsers: "log out everywhere" in one ends the other.
    const a = await openConsole(browser, relay);
    const b = await openConsole(browser, relay);
    for (const tab of [a, b]) {
      await tab.goto();
      await signIn(tab.page, user.email, user.password);
      await atPage(tab.page, 'Getting started');
    }
    // Two shops: the switcher keeps the section and changes the shop.
    await b.page.getByRole('link', { name: 'Leads', exact: true }).click();
    await atPage(b.page, 'Leads');
    await b.page.getByLabel('Shop', { exact: true }).selectOption({ label: 'Coffee' });
    await expect
      .poll(() => b.page.url())
      .toMatch(new RegExp(`#/shops/${coffee.body.result.id}/leads$`));
    await atPage(b.page, 'Leads');
    await expect.poll(() => b.page.title()).toBe('Leads · Coffee · Touchpoint');
    const tokenB = await b.page.evaluate(
      () => JSON.parse(sessionStorage.getItem('tpc.session')!).token,
    );
    await a.page.getByRole('button', { name: 'Log out everywhere' }).click();
    await atPage(a.page, 'Sign in to Touchpoint');
    await a.page.getByText('You are logged out on every device.').waitFor();
    expect(await a.page.evaluate(() => sessionStorage.getItem('tpc.session'))).toBeNull();
    expect(
      (await relay.api.get('/api/shop/shops/', { token: first.body.result.token })).status,
    ).toBe(401);
    expect((await relay.api.get('/api/shop/shops/', { token: tokenB })).status).toBe(401);

    // Tab b's next call gets a 401: it is brought back to the sign-in with a sentence, and
    // after signing in again it returns to the view it was on.
    await b.page.getByRole('link', { name: 'Orders' }).click();
    await atPage(b.page, 'Sign in to Touchpoint');
    await b.page.getByText(/Your session has ended/).waitFor();
    await signIn(b.page, user.email, user.password);
    await atPage(b.page, 'Orders');

    await b.page.getByRole('button', { name: 'Log out', exact: true }).click();
    await atPage(b.page, 'Sign in to Touchpoint');
    await b.page.getByText('You are logged out.').waitFor();
    expect((await heading(b.page).count()) > 0).toBe(true);

    for (const tab of [a, b]) {
      expect(await tab.violations()).toEqual([]);
      expect(unexpected(tab.errors, [401])).toEqual([]);
      await tab.close();
    }
  });
});
