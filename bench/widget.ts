/**
 * `npm run bench:widget`: the widget's weight and its cost to a page.
 *
 * - Bytes: gzip (level 9, as the relay serves them) of the loader and of everything a page
 *   with all three elements downloads; checked against the budget (2 KB / 16 KB).
 * - From Chromium, cold cache, median of RUNS page loads of a page with all three elements
 *   on a loopback site in front of the relay (the browser suites' shop, test/browser/shop.ts):
 *   time from the loader's request to the lead form being interactive (its submit button
 *   rendered), and the Cumulative Layout Shift it causes.
 *
 * Exits non-zero when a budget is exceeded.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromePath, launch } from '../test/browser/harness.js';
import { startShop } from '../test/browser/shop.js';
import { BUDGET, measureBundle } from './widget-size.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

/** Runs in the page before anything else: sums layout shifts, notes when the form is ready. */
const PROBE = `
  window.__cls = 0;
  new PerformanceObserver(function (list) {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
  (function poll() {
    const el = document.querySelector('tp-lead-form');
    if (el && el.shadowRoot && el.shadowRoot.querySelector('button[type=submit]')) window.__ready = performance.now();
    else requestAnimationFrame(poll);
  })();
`;

execFileSync(
  process.execPath,
  [join('node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', '--silent'],
  {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  },
);
const size = measureBundle();
const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
console.log('widget bytes (gzip -9)');
for (const f of size.files)
  console.log(
    `  ${f.name.padEnd(28)} ${String(f.raw).padStart(7)} B raw  ${kb(f.gzip).padStart(9)} gzip`,
  );
console.log(
  `  loader                       ${kb(size.loader).padStart(9)}   budget ${kb(BUDGET.loader)}`,
);
console.log(
  `  page with all three elements ${kb(size.total).padStart(9)}   budget ${kb(BUDGET.total)}`,
);
const overBudget = size.loader > BUDGET.loader || size.total > BUDGET.total;

if (!chromePath()) {
  console.log('Chromium not found (set CHROME_PATH): timing and layout shift skipped.');
} else {
  const shop = await startShop();
  const browser = await launch();
  // Text above and below the form, as on a contact page: what the widget's arrival moves.
  const body =
    '<main><h1>Contact</h1><p>' +
    'We answer within a day. '.repeat(20) +
    '</p><tp-lead-form form="callback"></tp-lead-form><tp-subscribe></tp-subscribe><p>' +
    'Opening hours and address. '.repeat(40) +
    '</p><tp-launcher form="newsletter" channels="telegram"></tp-launcher></main>';
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  /** RUNS cold loads of a page; medians of time to interactive, CLS, bytes, form height. */
  const measure = async (head: string) => {
    const url = shop.page({ head, body });
    const ready: number[] = [];
    const cls: number[] = [];
    const transferred: number[] = [];
    let height = 0;
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      // A string, not a function: tsx would wrap named functions in a helper the page lacks.
      await page.addInitScript({ content: PROBE });
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { __ready?: number }).__ready);
      await page.waitForTimeout(500); // let late shifts land
      const m = await page.evaluate(() => {
        const w = window as unknown as { __cls: number; __ready: number };
        const loader = performance
          .getEntriesByType('resource')
          .find((e) => e.name.endsWith('/widget/touchpoint.js'))!;
        const form = document.querySelector('tp-lead-form')!.getBoundingClientRect().height;
        const bytes = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
          .filter((e) => /\/widget\/|\/public\/v1\//.test(e.name))
          .reduce((sum, e) => sum + e.encodedBodySize, 0);
        return { ready: w.__ready - loader.startTime, cls: w.__cls, form, bytes };
      });
      ready.push(m.ready);
      cls.push(m.cls);
      transferred.push(m.bytes);
      height = Math.ceil(m.form);
      await context.close();
    }
    return { ready: median(ready), cls: median(cls), bytes: median(transferred), height };
  };

  const plain = await measure('');
  // What widget/README.md recommends: the page reserves the form's height before it renders.
  const reserved = await measure(
    `<style>tp-lead-form{display:block;min-height:${plain.height}px}tp-subscribe{display:block;min-height:76px}</style>`,
  );
  console.log(`Chromium, ${RUNS} cold loads each, medians`);
  console.log(`  loader request → lead form interactive  ${plain.ready.toFixed(0)} ms`);
  console.log(`  widget + config bytes transferred      ${kb(plain.bytes)} (bodies as sent: gzip)`);
  console.log(`  cumulative layout shift                ${plain.cls.toFixed(3)} (good ≤ 0.1)`);
  console.log(`  … with the page reserving ${plain.height}px     ${reserved.cls.toFixed(3)}`);
  await browser.close();
  await shop.close();
}

if (overBudget) {
  console.error('Over the widget size budget.');
  process.exitCode = 1;
}
