import { now, type Db } from '../../db/open.js';

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
 * The scenario runs store: one row per bot user that ever ran a flow, and a bot's welcome
 * flow. All synchronous: the runtime works inside the write transaction of the inbound
 * message, the API call or the scheduler tick that moved the run.
 */
export function createRunStore(db: Db) {
  const q = {
    get: db.prepare<[number], Run>(`SELECT * FROM scenario_runs WHERE bot_user_id = ?`),
    save: db.prepare<Omit<Run, 'updated_at'> & { now: string }>(
      `INSERT INTO scenario_runs (bot_user_id, shop_id, flow_id, step_id, waiting, seq, resume_at)
       VALUES (@bot_user_id, @shop_id, @flow_id, @step_id, @waiting, @seq, @resume_at)
       ON CONFLICT (bot_user_id) DO UPDATE SET shop_id = excluded.shop_id,
         flow_id = excluded.flow_id, step_id = excluded.step_id, waiting = excluded.waiting,
         seq = excluded.seq, resume_at = excluded.resume_at, updated_at = @now`,
    ),
    due: db.prepare<{ now: string; limit: number }, Run>(
      `SELECT * FROM scenario_runs WHERE resume_at IS NOT NULL AND resume_at <= @now
       ORDER BY resume_at LIMIT @limit`,
    ),
    nextDue: db
      .prepare<[], string>(
        `SELECT resume_at FROM scenario_runs WHERE resume_at IS NOT NULL ORDER BY resume_at LIMIT 1`,
      )
      .pluck(),
    pending: db
      .prepare<[], number>(`SELECT count(*) FROM scenario_runs WHERE resume_at IS NOT NULL`)
      .pluck(),
    welcome: db
      .prepare<[number], number | null>(`SELECT welcome_flow_id FROM bots WHERE id = ?`)
      .pluck(),
  };

  return {
    get: (botUserId: number): Run | undefined => q.get.get(botUserId),
    save(run: Omit<Run, 'updated_at'>): void {
      q.save.run({ ...run, now: now() });
    },
    /** Runs whose pause has ended, oldest first. */
    due: (at: string, limit: number): Run[] => q.due.all({ now: at, limit }),
    /** When the next pause ends, or null when none is pending. */
    nextDue: (): string | null => q.nextDue.get() ?? null,
    /** Runs paused at a delay step. */
    pendingDelays: (): number => q.pending.get()!,
    welcomeFlowOf: (botId: number): number | null => q.welcome.get(botId) ?? null,
  };
}
export type RunStore = ReturnType<typeof createRunStore>;
