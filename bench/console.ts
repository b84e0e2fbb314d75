/**
 * `npm run bench:console`: the console's weight against its budget.
 *
 * - Bytes: gzip (level 9, as the relay serves them) of the JavaScript a first load runs —
 *   the shell (entry and its static imports) plus the page shown, signed out (sign-in) and
 *   signed in (Getting started) — and what each page's chunk adds when it is opened.
 * - From Chromium (when available): the JavaScript bytes actually transferred by a cold
 *   load of the console signed in, on a relay serving dist/console.
 *
 * Exits non-zero when the first load is over 60 KB gzip.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromePath, launch } from '../test/browser/harness.js';
import { startRelay, userWithShop } from '../test/helpers/relay.js';
import { CONSOLE_BUDGET, measureConsole } from './console-size.js';

execFileSync(
  process.execPath,
  [join('node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', '--silent'],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
);
const size = measureConsole();
const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
console.log('console JavaScript (gzip -9)');
console.log('  shell (entry + static imports)');
for (const c of size.shell)
  console.log(
    `    ${c.name.padEnd(30)} ${String(c.raw).padStart(7)} B raw  ${kb(c.gzip).padStart(9)} gzip`,
  );
console.log(
  `  first load, signed out (sign-in)          ${kb(size.firstLoad.signedOut).padStart(9)}   budget ${kb(CONSOLE_BUDGET)}`,
);
console.log(
  `  first load, signed in (Getting started)   ${kb(size.firstLoad.signedIn).padStart(9)}   budget ${kb(CONSOLE_BUDGET)}`,
);
console.log('  loaded on demand (what opening it adds)');
for (const l of size.lazy) console.log(`    ${l.name.padEnd(30)} ${kb(l.adds).padStart(9)}`);
console.log(
  `  first load, signed in, in Russian          ${kb(size.firstLoad.signedInRussian).padStart(9)}   budget ${kb(CONSOLE_BUDGET)}`,
);
const over = Math.max(...Object.values(size.firstLoad)) > CONSOLE_BUDGET;

if (!chromePath()) console.log('Chromium not found (set CHROME_PATH): transferred bytes skipped.');
else {
  const relay = await startRelay();
  const owner = await userWithShop(relay, 'Bench');
  const browser = await launch();
  const page = await browser.newPage();
  await page.goto(`${relay.url}/console/`);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Getting started' }).waitFor();
  const js = await page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => e.name.endsWith('.js'))
      .map((e) => ({ name: e.name.split('/').pop()!, bytes: e.encodedBodySize })),
  );
  const total = js.reduce((n, e) => n + e.bytes, 0);
  console.log(
    `Chromium, cold load to Getting started: ${js.length} scripts, ${kb(total)} transferred (gzip)`,
  );
  await browser.close();
  await relay.close();
}

if (over) {
  console.error(`over budget: first load above ${kb(CONSOLE_BUDGET)}`);
  process.exitCode = 1;
}
