/**
 * A seeded pseudo-random source (mulberry32) for the faults a fake injects by probability.
 * The n-th draw is the same in every run, so "15 % of sends fail" gives the same failures to
 * the same attempts each time: a test that expects some of each fault among 60 sends cannot
 * fail on a run of bad luck, and a failure can be replayed.
 */
export function seededRandom(seed = 0x7e57) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
