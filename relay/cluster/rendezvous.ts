import { createHash } from 'node:crypto';

/** How much `instance` wants `item`: the first 48 bits of SHA-256 of both. */
const weight = (instance: string, item: number) =>
  createHash('sha256').update(`${instance}/${item}`).digest().readUIntBE(0, 6);

/**
 * Rendezvous (highest random weight) hashing: the instance that owns `item` among `instances`.
 * Every relay computes the same answer from the same list, and when an instance joins or
 * leaves only the items it wins or held move (about 1/N of them), not all.
 * https://en.wikipedia.org/wiki/Rendezvous_hashing
 */
export function ownerOf(instances: readonly string[], item: number): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const instance of instances) {
    const w = weight(instance, item);
    if (w > bestWeight || (w === bestWeight && best !== undefined && instance < best)) {
      best = instance;
      bestWeight = w;
    }
  }
  return best;
}
