import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launch, settled, type Browser, type Page } from './harness.js';
import { startShop, type Shop } from './shop.js';

/** Rules in the spirit of Bootstrap's reboot and components: element selectors and .btn/.card. */
const BOOTSTRAP_LIKE = `
  *, *::before, *::after { box-sizing: border-box; }
  body { margin: 0; font-family: Georgia, serif; font-size: 20px; line-height: 2; color: #c00; text-transform: uppercase; letter-spacing: 2px; }
  input, button, select, textarea { font-family: inherit; font-size: inherit; line-height: inherit; margin: 7px; border: 3px dashed red; }
  button { background: lime; border-radius: 0; }
  form { margin: 40px; padding: 30px; background: yellow; }
  label { display: inline-block; margin-bottom: .5rem; color: purple; }
  p { margin: 50px 0; }
  a { color: orange; text-decoration: underline wavy; }
  dialog { padding: 60px; border: 9px solid blue; }
  .btn { padding: 40px; background: orange; font-size: 30px; }
  .card, .field, .status, .msg, .err, .ok, .check, .launch, .list { border: 5px solid green; padding: 33px; display: block; }
`;

/** Tailwind's preflight, abridged: resets on every element, inherited fonts on controls. */
const TAILWIND_LIKE = `
  *, ::before, ::after { box-sizing: border-box; border-width: 0; border-style: solid; border-color: #e5e7eb; margin: 0; padding: 0; }
  html { line-height: 1.5; font-family: ui-monospace, monospace; font-size: 13px; }
  button, input, select, textarea { font: inherit; color: inherit; background-color: transparent; }
  button { text-transform: none; cursor: default; }
  ol, ul { list-style: none; }
  h2 { font-size: inherit; font-weight: inherit; }
`;

const PROPS = [
  'font-family',
  'font-size',
  'line-height',
  'color',
  'background-color',
  'margin-top',
  'padding-top',
  'padding-left',
  'border-top-width',
  'border-top-style',
  'border-radius',
  'text-transform',
  'letter-spacing',
  'display',
  'box-sizing',
  'text-decoration-line',
];

/** Computed styles of every element inside every tp- element's shadow root. */
const widgetStyles = (page: Page) =>
  page.evaluate((props) => {
    const out: Record<string, Record<string, string>> = {};
    const walk = (root: ShadowRoot, prefix: string) =>
      root.querySelectorAll('*').forEach((el, i) => {
        const cs = getComputedStyle(el);
        out[`${prefix}/${el.localName}#${i}`] = Object.fromEntries(
          props.map((p) => [p, cs.getPropertyValue(p)]),
        );
        if (el.shadowRoot) walk(el.shadowRoot, `${prefix}/${el.localName}`);
      });
    document
      .querySelectorAll('tp-lead-form,tp-subscribe,tp-launcher')
      .forEach((el) => walk(el.shadowRoot!, el.localName));
    return out;
  }, PROPS);

/** Computed styles of the page's own elements, some wearing the widget's class names. */
const pageStyles = (page: Page) =>
  page.evaluate((props) => {
    const out: Record<string, Record<string, string>> = {};
    document.querySelectorAll('#host *').forEach((el, i) => {
      const cs = getComputedStyle(el);
      out[`${el.localName}#${i}`] = Object.fromEntries(
        props.map((p) => [p, cs.getPropertyValue(p)]),
      );
    });
    return out;
  }, PROPS);

const WIDGETS =
  '<tp-lead-form form="callback"></tp-lead-form><tp-subscribe></tp-subscribe><tp-launcher form="newsletter"></tp-launcher>';
const HOST = `<div id="host"><form class="card"><div class="field"><label>Page label</label><input name="q">
  <p class="msg err status">Page text</p></div><button class="btn launch">Page button</button></form>
  <ul class="list"><li><a href="#">Page link</a></li></ul><dialog class="check">Page dialog</dialog></div>`;

describeBrowser('style isolation', () => {
  let browser: Browser;
  let shop: Shop;
  beforeAll(async () => {
    [browser, shop] = await Promise.all([launch(), startShop()]);
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  const render = async (css: string, withWidget: boolean) => {
    const page = await browser.newPage();
    const head = css ? `<style>${css}</style>` : '';
    await page.goto(
      shop.page({
        head,
        body: HOST + (withWidget ? WIDGETS : ''),
        script: withWidget ? undefined : '',
      }),
    );
    if (withWidget) {
      await settled(page);
      await page.locator('tp-lead-form input[name=email]').first().waitFor();
      await page.locator('tp-subscribe a').first().waitFor();
    }
    return page;
  };

  for (const [name, css] of [
    ['Bootstrap', BOOTSTRAP_LIKE],
    ['Tailwind', TAILWIND_LIKE],
  ] as const) {
    it(`is not restyled by ${name}-like global CSS`, async () => {
      const plain = await render('', true);
      const styled = await render(css, true);
      const [before, after] = [await widgetStyles(plain), await widgetStyles(styled)];
      expect(Object.keys(before).length).toBeGreaterThan(40);
      expect(after).toEqual(before);
      await plain.close();
      await styled.close();
    });

    it(`does not restyle a page that uses ${name}-like CSS`, async () => {
      const without = await render(css, false);
      const withIt = await render(css, true);
      expect(await pageStyles(withIt)).toEqual(await pageStyles(without));
      await without.close();
      await withIt.close();
    });
  }
});
