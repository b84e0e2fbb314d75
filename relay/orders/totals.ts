import type { OrderItem } from './schemas.js';

const minorDigits = new Map<string, number>();
/**
 * Σ qty × price, rounded to the currency's minor unit (2 for USD, 0 for JPY, 3 for KWD) so
 * binary floating point does not leak into totals (3 × 19.99 is 59.97, not 59.970000000000006).
 */
export function sumItems(items: readonly OrderItem[], currency: string): number {
  let digits = minorDigits.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    minorDigits.set(currency, digits);
  }
  const factor = 10 ** digits;
  return Math.round(items.reduce((sum, i) => sum + i.qty * i.price, 0) * factor) / factor;
}
