import { afterAll, beforeAll, expect, it } from 'vitest';
import { collectErrors, describeBrowser, launch, settled, type Browser } from './harness.js';
import { startShop, type Shop } from './shop.js';

const form = (name = 'callback') => `<tp-lead-form form="${name}"></tp-lead-form>`;

describeBrowser('widget loader and elements', () => {
  let browser: Browser;
  let shop: Shop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  it('defines each element once when the script is loaded twice', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.addInitScript(() => {
      const counts: Record<string, number> = ((window as any).__defined = {});
      const define = customElements.define.bind(customElements);
      customElements.define = (name, ctor, opts) => {
        counts[name] = (counts[name] ?? 0) + 1;
        define(name, ctor, opts);
      };
    });
    const chunks: string[] = [];
    page.on('request', (r) => /elements-.*\.js$/.test(r.url()) && chunks.push(r.url()));
    const script = `<script async src="/widget/touchpoint.js" data-key="${shop.pk}"></script>`;
    await page.goto(
      shop.page({ body: form() + '<tp-subscribe></tp-subscribe>', script: script + script }),
    );
    await settled(page);
    await page.evaluate(() => import(document.querySelector('script')!.src)).catch(() => {}); // a third, by hand
    expect(await page.evaluate(() => (window as any).__defined)).toEqual({
      'tp-lead-form': 1,
      'tp-subscribe': 1,
      'tp-launcher': 1,
    });
    expect(chunks).toHaveLength(1);
    expect(await page.evaluate(() => typeof (window as any).Touchpoint)).toBe('function');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("renders the shop's form with real named inputs and a submit button in an open shadow root", async () => {
    const page = await browser.newPage();
    await page.goto(shop.page({ body: form() }));
    await settled(page);
    const el = await page.$('tp-lead-form');
    const names = await el!.evaluate((e) =>
      [...e.shadowRoot!.querySelectorAll('input,select,textarea')].map(
        (c) => (c as HTMLInputElement).name,
      ),
    );
    expect(names).toEqual(['name', 'email', 'phone', 'topic', 'message', 'consent', 'hp']);
    expect(await page.locator('tp-lead-form button[type=submit]').textContent()).toContain('Send');
    await page.close();
  });

  it('loads the elements only once a tp- element is added to the page', async () => {
    const page = await browser.newPage();
    const chunks: string[] = [];
    page.on('request', (r) => /elements-.*\.js$/.test(r.url()) && chunks.push(r.url()));
    await page.goto(shop.page({ body: '<main id="app"></main>' }));
    await page.waitForFunction(() => (window as any).Touchpoint?.v === 1);
    await page.waitForTimeout(200);
    expect(chunks).toEqual([]);
    await page.evaluate(() => {
      document.querySelector('#app')!.innerHTML =
        '<section><tp-lead-form form="newsletter"></tp-lead-form></section>';
    });
    await settled(page);
    await page.locator('tp-lead-form input[name=email]').waitFor();
    expect(chunks).toHaveLength(1);
    await page.close();
  });

  it('replays Touchpoint calls queued by the stub before the loader ran', async () => {
    const page = await browser.newPage();
    const stub =
      '<script>window.Touchpoint=window.Touchpoint||function(){(Touchpoint.q=Touchpoint.q||[]).push(arguments)};' +
      "Touchpoint('identify',{name:'Ann',email:'ann@example.com'});" +
      "Touchpoint('on','submit',function(d){window.__submitted=d.form});</script>";
    await page.goto(shop.page({ head: stub, body: form() }));
    await settled(page);
    await expect
      .poll(() => page.locator('tp-lead-form input[name=email]').inputValue())
      .toBe('ann@example.com');
    expect(await page.locator('tp-lead-form input[name=name]').inputValue()).toBe('Ann');
    await page.locator('tp-lead-form input[name=consent]').check();
    await page.locator('tp-lead-form button[type=submit]').click();
    await expect.poll(() => page.evaluate(() => (window as any).__submitted)).toBe('callback');
    await expect
      .poll(async () => (await shop.leads()).filter((l) => l.fields.email === 'ann@example.com'))
      .toMatchObject([{ fields: { name: 'Ann', email: 'ann@example.com' } }]);
    await page.close();
  });

  it('adds a launcher configured on the script tag', async () => {
    const page = await browser.newPage();
    const script = `<script async src="/widget/touchpoint.js" data-key="${shop.pk}" data-launcher="callback" data-launcher-channels="telegram" data-launcher-position="bottom-left"></script>`;
    await page.goto(shop.page({ script }));
    await settled(page, 'tp-launcher');
    const attrs = await page.$eval('tp-launcher', (el) => [
      el.getAttribute('form'),
      el.getAttribute('channels'),
      el.getAttribute('position'),
    ]);
    expect(attrs).toEqual(['callback', 'telegram', 'bottom-left']);
    await page.evaluate(() => (window as any).Touchpoint('open'));
    await expect
      .poll(() => page.$eval('tp-launcher', (el) => el.shadowRoot!.querySelector('dialog')!.open))
      .toBe(true);
    await page.evaluate(() => (window as any).Touchpoint('close'));
    await expect
      .poll(() => page.$eval('tp-launcher', (el) => el.shadowRoot!.querySelector('dialog')!.open))
      .toBe(false);
    await page.close();
  });

  it('follows the closest lang attribute for its texts', async () => {
    const page = await browser.newPage();
    await page.goto(shop.page({ lang: 'en', body: `<div lang="ru">${form()}</div>` }));
    await settled(page);
    expect(await page.locator('tp-lead-form button[type=submit]').textContent()).toContain(
      'Отправить',
    );
    expect(await page.locator('tp-lead-form label[for=f-name]').textContent()).toContain('Имя');
    await page.close();
  });
});
