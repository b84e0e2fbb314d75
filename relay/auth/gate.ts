import { tooManyRequests } from '../http/errors.js';

export type GateOptions = {
  /** Password hashes computed at once. scrypt runs on libuv's pool (4 threads by default):
   *  two leave room for DNS lookups and file work. */
  concurrency: number;
  /** Requests waiting for a slot, in all; beyond it 429. */
  maxWaiting: number;
  /** Requests waiting for a slot with one key (an email): one account's flood cannot fill the queue. */
  maxWaitingPerKey: number;
};

export const PASSWORD_GATE: GateOptions = { concurrency: 2, maxWaiting: 16, maxWaitingPerKey: 4 };

/**
 * A bounded, fair queue in front of password hashing. Keys take turns (round robin), so
 * a flood of attempts for one email waits behind itself while another user's login goes
 * next; a full queue answers 429 at once instead of letting waits grow.
 */
export function createGate({ concurrency, maxWaiting, maxWaitingPerKey }: GateOptions) {
  let running = 0;
  let waiting = 0;
  /** Waiters by key; Map order is the turn order (a served key moves to the end). */
  const queues = new Map<string, (() => void)[]>();

  const next = () => {
    const first = queues.entries().next();
    if (first.done) return;
    const [key, queue] = first.value;
    const wake = queue.shift()!;
    queues.delete(key);
    if (queue.length) queues.set(key, queue);
    waiting -= 1;
    running += 1;
    wake();
  };

  const acquire = (key: string): Promise<void> | void => {
    if (running < concurrency && waiting === 0) {
      running += 1;
      return;
    }
    const queue = queues.get(key) ?? [];
    if (waiting >= maxWaiting || queue.length >= maxWaitingPerKey)
      throw tooManyRequests(1, 'Too many logins at once. Try again in a second.');
    waiting += 1;
    queues.set(key, queue);
    return new Promise<void>((resolve) => queue.push(resolve));
  };

  return {
    async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      await acquire(key);
      try {
        return await fn();
      } finally {
        running -= 1;
        next();
      }
    },
    /** For /metrics and tests. */
    get stats() {
      return { running, waiting };
    },
  };
}
export type Gate = ReturnType<typeof createGate>;
