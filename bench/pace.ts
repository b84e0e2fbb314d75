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
