import { describe, expect, it } from 'vitest';
import { CONSOLE_BUDGET, measureConsole } from '../../bench/console-size.js';
import { SECTIONS } from '../../console/app/sections.js';

describe('console size budget', () => {
  it('keeps the JavaScript of a first load within 60 KB gzip, in either language', () => {
    const { firstLoad } = measureConsole();
    for (const [load, bytes] of Object.entries(firstLoad))
      expect(bytes, load).toBeLessThanOrEqual(CONSOLE_BUDGET);
  });

  it('loads each section as its own chunk, on demand', () => {
    const { shell, lazy } = measureConsole();
    const names = lazy.map((l) => l.name.replace(/-[\w-]{8}\.js$/, ''));
    for (const section of SECTIONS) {
      const file = section.id; // pages/<id>.ts, named after its module by rollup
      expect(names, section.id).toContain(file);
      expect(
        shell.some((c) => c.name.startsWith(`${file}-`)),
        section.id,
      ).toBe(false);
    }
  });
});
