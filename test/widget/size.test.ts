import { describe, expect, it } from 'vitest';
import { BUDGET, measureBundle } from '../../bench/widget-size.js';

describe('widget size budget', () => {
  it('keeps the loader within 2 KB gzip', () => {
    expect(measureBundle().loader).toBeLessThanOrEqual(BUDGET.loader);
  });

  it('keeps everything a page with all three elements downloads within 16 KB gzip', () => {
    const { total, files } = measureBundle();
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(total).toBeLessThanOrEqual(BUDGET.total);
  });
});
