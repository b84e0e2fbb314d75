import { spawnRelay, stop } from '../test/helpers/process.js';

/**
 * What a fake messenger saw of a paced stream, from the times it accepted each message: the
 * steady rate — n − 1 intervals between the first and the last — and the most messages it
 * took in any one second (its sliding window).
 */
export function paceOf(times: number[]) {
  const first = times[0];
  const last = times[times.length - 1];
  const rate = (times.length - 1) / ((last - first) / 1000);
  let worst = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= 1000) i++;
    worst = Math.max(worst, j - i + 1);
  }
  return { seconds: Number(((last - first) / 1000).toFixed(2)), rate, worst };
}

/**
 * Starts the relay as its own process on the environment given (a database with the queue
 * already in it), waits until `done()` says the fake took everything (or `timeoutMs`), reads
 * the figures, and stops the relay.
 */
export async function drain<T>(
  env: Record<string, string>,
  done: () => boolean,
  measure: () => T,
  timeoutMs = 180_000,
): Promise<T> {
  const relay = await spawnRelay(env);
  try {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return measure();
  } finally {
    await stop(relay.child);
  }
}
