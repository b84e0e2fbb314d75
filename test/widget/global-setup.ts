import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Vitest globalSetup of the widget and console suites: builds dist/widget/ and dist/console/
 * with rollup (one run builds both) when either is missing or older than its sources, so
 * `npm test` works on a fresh clone and after edits.
 */
export default function setup() {
  const root = process.cwd();
  const built = [
    join(root, 'dist', 'widget', 'touchpoint.js'),
    join(root, 'dist', 'widget', 'custom-elements.json'),
    join(root, 'dist', 'console', 'index.html'),
  ];
  const sources = [
    join(root, 'rollup.config.mjs'),
    ...files(join(root, 'widget')),
    ...files(join(root, 'console')),
  ];
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (built.every((f) => existsSync(f) && statSync(f).mtimeMs >= newest)) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', '--silent'],
    {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}
