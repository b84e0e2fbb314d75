import type { Db } from '../../db/open.js';
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
 * `maxSleepMs`), and continues them in write transactions of `batch` runs.
 */
export function createScenarioScheduler(
  db: Db,
  runtime: ScenarioRuntime,
  { maxSleepMs = 500, batch = 100 }: SchedulerOptions = {},
) {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let busy: Promise<void> | null = null;

  const resumeTx = db.transaction((at: string) => runtime.resumeDueInTx(at, batch));

  const tick = async () => {
    timer = null;
    if (!running) return;
    try {
      // A full batch may mean more are due: go on at once, yielding to I/O in between.
      while (running && resumeTx.immediate(new Date().toISOString()) === batch)
        await new Promise((r) => setImmediate(r));
    } catch (err) {
      console.error('scenario scheduler:', err);
    }
    if (!running) return;
    const next = runtime.runs.nextDue();
    const wait = next === null ? maxSleepMs : Date.parse(next) - Date.now();
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
