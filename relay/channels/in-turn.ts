/**
 * One send at a time per key (a person's chat), in the order they were handed over. The
 * worker's pacer lets several deliveries of one chat start together when the messenger's
 * rate allows it, and messengers keep no order between requests in flight together: a
 * scenario's text and the buttons after it would cross. Keys are forgotten once idle.
 */
export function createInTurn() {
  const queues = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (queues.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  };
}
export type InTurn = ReturnType<typeof createInTurn>;
