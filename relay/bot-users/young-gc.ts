type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/**
 * Runs a minor GC (a scavenge of V8's young generation), for code that streams large
 * Buffers created outside the JS heap while allocating almost nothing inside it.
 *
 * Why: V8 frees a dead Buffer's memory only when it collects the Buffer object, and it
 * collects when the JS heap fills up, or when external memory has grown by 64 MB. The
 * export hands the socket a fresh ~0.4 MB Buffer per batch (better-sqlite3 allocates each
 * BLOB result) and allocates next to nothing else, so without this the relay's RSS grows
 * by 50–60 MB of dead batches during a large export (measured: bench/README.md). A
 * scavenge of a nearly empty young generation takes well under a millisecond.
 *
 * `gc` exists when node runs with `--expose-gc`, as `npm start` and the benches run it;
 * without the flag this does nothing and memory is reclaimed on V8's own schedule.
 */
export function collectYoungGarbage(): void {
  (globalThis as { gc?: Gc }).gc?.({ type: 'minor' });
}
