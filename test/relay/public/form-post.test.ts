import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THANKS_PATH } from '../../../relay/public/form-post.js';
import { describeBrowser, launch, startSite } from '../../browser/harness.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, ORIGIN, widgetShop, type WidgetShop } from './fixtures.js';
import { sql } from '../../../relay/db/sql.js';

/** What a browser sends for a plain form: urlencoded fields, its page as Referer. */
const formPost = (relay: Relay, pk: string, fields: Record<string, string>, headers = {}) =>
  relay.api.post(`/public/v1/forms/${pk}`, new URLSearchParams(fields).toString(), {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: ORIGIN,
      referer: `${ORIGIN}/contact?utm_source=ads`,
      ...headers,
    },
  });

const valid = {
  form: 'callback',
  name: 'Ann',
  phone: '8 (912) 345-67-89',
  email: 'ann@example.com',
  consent: 'on',
  hp: '',
};

describe('no-JavaScript form post', () => {
  let relay: Relay;
  let shop: WidgetShop;
  const newest = () =>
    relay.db
      .value(sql<undefined, { id: number }>('SELECT max(id) AS id FROM leads'))
      .then((id) => relay.stores.leads.get(id!));
  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    shop = await widgetShop(relay, { settings: { default_country: 'RU' } });
  });
  afterAll(() => relay.close());

  it('stores an urlencoded post and redirects to _redirect on an allowed origin', async () => {
    const r = await formPost(relay, shop.pk, {
      ...valid,
      _redirect: `${ORIGIN}/thanks.html`,
      utm_campaign: 'spring',
      visitor_id: 'v-nojs',
    });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`${ORIGIN}/thanks.html`);
    expect(await newest()).toMatchObject({
      source: 'form',
      spam: false,
      fields: { name: 'Ann', phone: '+79123456789', email: 'ann@example.com' },
      page: { url: `${ORIGIN}/contact?utm_source=ads` },
      utm: { campaign: 'spring' },
      visitor_id: 'v-nojs',
      consent: expect.objectContaining({ version: '2' }),
    });
  });

  it('stores a multipart post and redirects to the thank-you page without _redirect', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries(valid)) form.set(k, v);
    const r = await relay.api.post(`/public/v1/forms/${shop.pk}`, undefined, {
      headers: { origin: ORIGIN },
    });
    expect(r.status).toBe(400); // no body at all
    const res = await fetch(`${relay.url}/public/v1/forms/${shop.pk}`, {
      method: 'POST',
      body: form,
      headers: { origin: ORIGIN },
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(THANKS_PATH);
    expect((await newest())!.fields.name).toBe('Ann');
  });

  it('never redirects to another origin, and resolves a relative _redirect on the page', async () => {
    for (const target of ['https://evil.example/x', '//evil.example/x', 'javascript:alert(1)']) {
      const r = await formPost(relay, shop.pk, { ...valid, _redirect: target });
      expect(r.status).toBe(303);
      expect(r.headers.get('location'), target).toBe(THANKS_PATH);
    }
    const relative = await formPost(relay, shop.pk, { ...valid, _redirect: '/done?x=1' });
    expect(relative.headers.get('location')).toBe(`${ORIGIN}/done?x=1`);
  });

  it('serves the thank-you page in English or Russian, without scripts', async () => {
    const en = await relay.api.get(THANKS_PATH);
    expect(en.status).toBe(200);
    expect(en.headers.get('content-type')).toMatch(/text\/html/);
    expect(en.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(en.text).toContain('Thank you!');
    const ru = await relay.api.get(THANKS_PATH, {
      headers: { 'accept-language': 'de;q=0.9, ru-RU;q=0.8, en;q=0.5' },
    });
    expect(ru.text).toContain('Спасибо!');
    expect(ru.text).toContain('lang="ru"');
  });

  it('answers invalid input with a 400 page listing the errors, escaped, storing nothing', async () => {
    const before = await counts(relay);
    const r = await formPost(relay, shop.pk, {
      form: 'callback',
      name: '',
      phone: '<script>alert(1)</script>',
      email: 'x',
      '<b>odd</b>': 'y',
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(r.text).not.toContain('<script>');
    expect(r.text).not.toContain('<b>odd</b>');
    expect(r.text).toContain('&lt;b&gt;odd&lt;/b&gt;');
    for (const field of ['name', 'phone', 'email', 'consent'])
      expect(r.text).toContain(`<strong>${field}</strong>`);
    expect(r.text).toContain(`href="${ORIGIN}/contact?utm_source=ads"`); // back to the form
    const noForm = await formPost(relay, shop.pk, { name: 'Ann' });
    expect(noForm.status).toBe(400);
    expect(noForm.text).toContain('<strong>form</strong>');
    const upload = new FormData();
    for (const [k, v] of Object.entries(valid)) upload.set(k, v);
    upload.set('name', new Blob(['x']), 'cv.pdf');
    const file = await fetch(`${relay.url}/public/v1/forms/${shop.pk}`, {
      method: 'POST',
      body: upload,
      redirect: 'manual',
    });
    expect(file.status).toBe(400);
    expect(await counts(relay)).toEqual(before);
  });

  it('stores a filled honeypot or a too-fast post as spam behind the same redirect', async () => {
    const bot = await formPost(relay, shop.pk, { ...valid, hp: 'x', _redirect: `${ORIGIN}/ok` });
    expect(bot.status).toBe(303);
    expect(bot.headers.get('location')).toBe(`${ORIGIN}/ok`);
    expect((await newest())!.spam).toBe(true);
    await formPost(relay, shop.pk, { ...valid, _elapsed_ms: '200' });
    expect((await newest())!.spam).toBe(true);
    await formPost(relay, shop.pk, { ...valid, _elapsed_ms: '20000' });
    expect((await newest())!.spam).toBe(false);
  });

  it('refuses other origins, unknown and secret keys, and other content types', async () => {
    const before = await counts(relay);
    const evil = await formPost(relay, shop.pk, valid, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('content-type')).toMatch(/text\/html/);
    expect((await formPost(relay, 'pk_nope', valid)).status).toBe(401);
    const sk = (await relay.stores.keys.create({ shop_id: shop.shopId, kind: 'secret' })).key;
    const secret = await formPost(relay, sk, valid);
    expect(secret.status).toBe(401);
    expect(secret.text).not.toContain(sk);
    const json = await relay.api.post(`/public/v1/forms/${shop.pk}`, valid, {
      headers: { origin: ORIGIN },
    });
    expect(json.status).toBe(415);
    expect(await counts(relay)).toEqual(before);
    // A page with a no-referrer policy sends `Origin: null`: a form post still works.
    expect((await formPost(relay, shop.pk, valid, { origin: 'null' })).status).toBe(303);
  });
});

describeBrowser('no-JavaScript form in a browser', () => {
  it('posts a plain HTML form with JavaScript off, stores the lead and lands on _redirect', async () => {
    const relay = await startRelay({ publicRateLimit: 0 });
    const site = await startSite();
    const browser = await launch();
    try {
      const shop = await widgetShop(relay, { origins: [site.url] });
      const done = site.page('<!doctype html><title>Done</title><h1>Thanks from the shop</h1>');
      const html = `<!doctype html><title>Contact</title>
        <form method="post" action="${relay.url}/public/v1/forms/${shop.pk}">
          <input type="hidden" name="form" value="callback">
          <input type="hidden" name="_redirect" value="${done}">
          <div hidden><input name="hp" tabindex="-1" autocomplete="off"></div>
          <input name="name"><input name="phone" type="tel"><input name="email" type="email">
          <label><input type="checkbox" name="consent"> I agree</label>
          <button type="submit">Send</button>
        </form>`;
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(site.page(html));
      await page.fill('input[name=name]', 'Browser Ann');
      await page.fill('input[name=phone]', '+7 912 345 67 89');
      await page.check('input[name=consent]');
      await Promise.all([page.waitForURL(done), page.click('button[type=submit]')]);
      expect(await page.textContent('h1')).toBe('Thanks from the shop');
      const lead = (await relay.db.get(
        sql(`SELECT fields, source, spam FROM leads WHERE shop_id = ?`),
        [shop.shopId],
      )) as { fields: string; source: string; spam: number };
      expect(JSON.parse(lead.fields)).toMatchObject({ name: 'Browser Ann', phone: '+79123456789' });
      expect(lead).toMatchObject({ source: 'form', spam: 0 });
    } finally {
      await browser.close();
      await site.close();
      await relay.close();
    }
  });
});
