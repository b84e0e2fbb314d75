import { dialect, pgAfterMs } from '../../db/dialect.js';
import { sql, type Database, type Tx } from '../../db/sql.js';

/** What a run waits for at its step: a press, an answer, the end of a pause; null when done. */
export type Waiting = 'buttons' | 'answer' | 'delay';

/** Where one bot user is in a flow (a `scenario_runs` row). */
export type Run = {
  bot_user_id: number;
  shop_id: number;
  flow_id: number;
  /** The step the run waits at; null once the flow has ended or was stopped. */
  step_id: number | null;
  waiting: Waiting | null;
  seq: number;
  resume_at: string | null;
  updated_at: string;
};

/**
 * A person a manager took over is paused: their delay waits (past its time) until they are
 * handed back, then resumes. A subquery, not a join: only the run row is locked.
 */
const notTakenOver = `NOT EXISTS (SELECT 1 FROM bot_users u
  WHERE u.id = scenario_runs.bot_user_id AND u.taken_over_at IS NOT NULL)`;

const q = {
  get: sql<[number], Run>(`SELECT * FROM scenario_runs WHERE bot_user_id = ?`),
  // A pause ends at `resume_at`, another relay's scheduler may end it: on PostgreSQL it is
  // the database's clock plus the pause (`delay_ms`).
  save: sql<Omit<Run, 'updated_at'> & { now: string; delay_ms: number | null }, never>({
    sqlite: `INSERT INTO scenario_runs (bot_user_id, shop_id, flow_id, step_id, waiting, seq, resume_at, updated_at)
             VALUES (@bot_user_id, @shop_id, @flow_id, @step_id, @waiting, @seq, @resume_at, @now)
             ON CONFLICT (bot_user_id) DO UPDATE SET shop_id = excluded.shop_id,
               flow_id = excluded.flow_id, step_id = excluded.step_id, waiting = excluded.waiting,
               seq = excluded.seq, resume_at = excluded.resume_at, updated_at = @now`,
    postgres: `INSERT INTO scenario_runs (bot_user_id, shop_id, flow_id, step_id, waiting, seq, resume_at)
               VALUES (@bot_user_id, @shop_id, @flow_id, @step_id, @waiting, @seq, ${pgAfterMs('@delay_ms')})
               ON CONFLICT (bot_user_id) DO UPDATE SET shop_id = excluded.shop_id,
                 flow_id = excluded.flow_id, step_id = excluded.step_id, waiting = excluded.waiting,
                 seq = excluded.seq, resume_at = excluded.resume_at, updated_at = now()`,
  }),
  /**
   * Due runs, each claimed by one relay: on PostgreSQL the rows stay locked until the tick's
   * transaction ends, and rows another relay (or an inbound message) holds are skipped, not
   * waited for. SQLite's one writer is the claim there.
   */
  due: sql<{ now: string | null; limit: number }, Run>({
    sqlite: `SELECT * FROM scenario_runs WHERE resume_at IS NOT NULL AND resume_at <= @now
               AND ${notTakenOver}
             ORDER BY resume_at LIMIT @limit`,
    postgres: `SELECT * FROM scenario_runs WHERE resume_at IS NOT NULL
                 AND resume_at <= coalesce(@now::timestamptz, now())
                 AND ${notTakenOver}
               ORDER BY resume_at LIMIT @limit FOR UPDATE SKIP LOCKED`,
  }),
  nextDue: sql<undefined, { resume_at: string }>(
    `SELECT resume_at FROM scenario_runs WHERE resume_at IS NOT NULL AND ${notTakenOver}
     ORDER BY resume_at LIMIT 1`,
  ),
  pending: sql<undefined, { n: number }>(
    `SELECT count(*) AS n FROM scenario_runs WHERE resume_at IS NOT NULL`,
  ),
  welcome: sql<[number], { welcome_flow_id: number | null }>(
    `SELECT welcome_flow_id FROM bots WHERE id = ?`,
  ),
};

/**
 * The scenario runs store: one row per bot user that ever ran a flow, and a bot's welcome
 * flow. The runtime reads and writes runs inside the write transaction of the inbound
 * message, the API call or the scheduler tick that moves them.
 */
export function createRunStore(db: Database) {
  const d = dialect(db.engine);
  // A move reads the run, decides, and writes it back: on PostgreSQL the row stays locked
  // until the move commits, so two messages of one person (or a message and the scheduler)
  // move the run one after the other.
  const lock = sql<[number], Run>(
    `SELECT * FROM scenario_runs WHERE bot_user_id = ?${d.forUpdate}`,
  );

  return {
    /** The run as committed (the API's and tests' view). */
    get: (botUserId: number): Promise<Run | undefined> => db.get(q.get, [botUserId]),
    /** The run, locked for the rest of the transaction (PostgreSQL) before it is moved. */
    getInTx: (tx: Tx, botUserId: number): Promise<Run | undefined> => tx.get(lock, [botUserId]),
    /** `delayMs`: the run pauses that long (`resume_at` is now plus that). */
    async saveInTx(
      tx: Tx,
      run: Omit<Run, 'updated_at' | 'resume_at'>,
      delayMs: number | null,
    ): Promise<void> {
      const t = Date.now();
      await tx.run(q.save, {
        ...run,
        resume_at: delayMs === null ? null : new Date(t + delayMs).toISOString(),
        delay_ms: delayMs,
        now: new Date(t).toISOString(),
      });
    },
    /**
     * Runs whose pause has ended by `at` (null: now, by the database's clock on PostgreSQL),
     * oldest first, claimed for this transaction.
     */
    dueInTx: (tx: Tx, at: string | null, limit: number): Promise<Run[]> =>
      tx.all(q.due, {
        now: at ?? (tx.engine === 'sqlite' ? new Date().toISOString() : null),
        limit,
      }),
    /** When the next pause ends, or null when none is pending. */
    nextDue: async (): Promise<string | null> => (await db.value(q.nextDue)) ?? null,
    /** Runs paused at a delay step. */
    pendingDelays: async (): Promise<number> => (await db.value(q.pending)) ?? 0,
    welcomeFlowOfInTx: async (tx: Tx, botId: number): Promise<number | null> =>
      (await tx.value(q.welcome, [botId])) ?? null,
  };
}
export type RunStore = ReturnType<typeof createRunStore>;
