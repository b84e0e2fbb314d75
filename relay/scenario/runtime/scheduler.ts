import type { Database } from '../../db/sql.js';
import type { ScenarioRuntime } from './engine.js';

export type SchedulerOptions = {
  /** The longest sleep between looks at the table; a delay ends at most this late. */
  maxSleepMs?: number;
  /** Runs continued per write transaction. */
  batch?: number;
};

/**
 * Ends delay steps. A pause is a row (`scenario_runs.resume_at`), not a timer, so it survives a
 * restart: this loop looks for due rows, sleeping until the next one is due (at most
 * `maxSleepMs`), and continues them in write transactions of `batch` runs. Several relays
 * on one PostgreSQL database each claim different due runs (relay/scenario/runtime/runs.ts).
 */
export function createScenarioScheduler(
  db: Database,
  runtime: ScenarioRuntime,
  { maxSleepMs = 500, batch = 100 }: SchedulerOptions = {},
) {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let busy: Promise<void> | null = null;

  // Due by the database's clock on PostgreSQL, where relays on other machines resume too.
  const resume = (at: string) =>
    db.tx((tx) => runtime.resumeDueInTx(tx, db.engine === 'sqlite' ? at : null, batch));

  const tick = async () => {
    timer = null;
    if (!running) return;
    let at = new Date().toISOString();
    let next: string | null = null;
    try {
      // A full batch may mean more are due: go on at once, yielding to I/O in between.
      while (running && (await resume(at)) === batch) {
        await new Promise((r) => setImmediate(r));
        at = new Date().toISOString();
      }
      if (!running) return;
      next = await runtime.runs.nextDue();
    } catch (err) {
      console.error('scenario scheduler:', err);
    }
    if (!running) return;
    // A run that was due at the last look yet not claimed is being moved by another relay
    // (or by a message of its person): look again after the usual sleep, not at once.
    const wait = next === null || next <= at ? maxSleepMs : Date.parse(next) - Date.now();
    timer = setTimeout(run, Math.max(0, Math.min(maxSleepMs, wait)));
  };
  const run = () => {
    busy = tick().finally(() => (busy = null));
  };

  return {
    start() {
      if (running) return;
      running = true;
      run();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await busy;
    },
  };
}
