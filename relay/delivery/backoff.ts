/**
 * Exponential backoff with full jitter: attempt n waits a random time in [0, min(cap, base·2^(n-1))],
 * never less than `floorMs`. Full jitter spreads retries of many failed rows apart.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffMs(
  attempt: number,
  { baseMs = 1_000, capMs = 60 * 60_000, floorMs = 250, random = Math.random } = {},
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(floorMs, Math.round(random() * ceiling));
}
