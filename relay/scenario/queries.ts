import type { Dialect } from '../db/dialect.js';
import { sql } from '../db/sql.js';
import type { FlowRow, MenuItemRow, StepParams, StepRow } from './rows.js';

type Owner = { shop_id: number };
type Page = { shop_id: number; limit: number; offset: number };

/**
 * The first key of the graph locks `(GRAPH_LOCK, flow id)`: PostgreSQL's two-key advisory
 * locks, a space apart from the one-key lock of migrations.
 */
const GRAPH_LOCK = 74_061_102;

/** Every statement of the scenario store, defined once per store. */
export function scenarioQueries(d: Dialect) {
  return {
    /**
     * PostgreSQL only: waits for other edits of the flow's graph, and holds the lock until
     * the transaction ends. The key is an int4: flow ids 2^31 apart merely share a lock.
     */
    lockFlow: sql<[number], never>(
      `SELECT pg_advisory_xact_lock(${GRAPH_LOCK}, (?::bigint % 2147483648)::int)`,
    ),
    /** The flow of a menu item's step. */
    itemFlow: sql<[number], { flow_id: number }>(
      `SELECT s.flow_id FROM menu_items m JOIN steps s ON s.id = m.step_id WHERE m.id = ?`,
    ),

    // References from scenario objects to the rest of the shop.
    botOwner: sql<[number], Owner>(`SELECT shop_id FROM bots WHERE id = ?`),
    formOwner: sql<[number], Owner>(`SELECT shop_id FROM forms WHERE id = ?`),
    tagOwner: sql<[number], Owner>(`SELECT shop_id FROM tags WHERE id = ?`),
    flowOwner: sql<[number], Owner>(`SELECT shop_id FROM flows WHERE id = ?`),
    stepOwner: sql<[number], Owner & { flow_id: number }>(
      `SELECT shop_id, flow_id FROM steps WHERE id = ?`,
    ),
    /** Bots other than `bot_id` that greet new users with this flow. */
    welcomingBot: sql<{ flow_id: number; bot_id: number }, { id: number }>(
      `SELECT id FROM bots WHERE welcome_flow_id = @flow_id AND id <> @bot_id LIMIT 1`,
    ),

    // Export and import (relay/scenario/transfer.ts): forms and tags travel by name.
    formName: sql<[number], { name: string }>(`SELECT name FROM forms WHERE id = ?`),
    tagName: sql<[number], { name: string }>(`SELECT name FROM tags WHERE id = ?`),
    formNamed: sql<[number, string], { id: number }>(
      `SELECT id FROM forms WHERE shop_id = ? AND name = ?`,
    ),
    tagNamed: sql<[number, string], { id: number }>(
      `SELECT id FROM tags WHERE shop_id = ? AND name = ?`,
    ),
    /** A flow's steps in the order they were made (an export's order). */
    stepsOfFlow: sql<[number], StepRow>(`SELECT * FROM steps WHERE flow_id = ? ORDER BY id`),
    /** An imported step's links, set once every step of the flow has an id. */
    linkStep: sql<Pick<StepRow, 'id' | 'next_step_id' | 'then_step_id' | 'else_step_id'>, never>(
      `UPDATE steps SET next_step_id = @next_step_id, then_step_id = @then_step_id,
         else_step_id = @else_step_id WHERE id = @id`,
    ),

    insertFlow: sql<Omit<FlowRow, 'id' | 'created_at' | 'updated_at'>, FlowRow>(
      `INSERT INTO flows (shop_id, bot_id, name, first_step_id)
       VALUES (@shop_id, @bot_id, @name, @first_step_id) RETURNING *`,
    ),
    getFlow: sql<[number], FlowRow>(`SELECT * FROM flows WHERE id = ?`),
    listFlows: sql<Page & { bot_id: number | null }, FlowRow>(
      `SELECT * FROM flows WHERE shop_id = @shop_id AND (bot_id = @bot_id OR @bot_id IS NULL)
       ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    countFlows: sql<{ shop_id: number; bot_id: number | null }, { n: number }>(
      `SELECT count(*) AS n FROM flows
       WHERE shop_id = @shop_id AND (bot_id = @bot_id OR @bot_id IS NULL)`,
    ),
    updateFlow: sql<
      Pick<FlowRow, 'id' | 'bot_id' | 'name' | 'first_step_id' | 'updated_at'>,
      FlowRow
    >(
      `UPDATE flows SET bot_id = @bot_id, name = @name, first_step_id = @first_step_id,
       updated_at = @updated_at WHERE id = @id RETURNING *`,
    ),
    deleteFlow: sql<[number]>(`DELETE FROM flows WHERE id = ?`),

    insertStep: sql<StepParams & { shop_id: number }, StepRow>(
      `INSERT INTO steps (shop_id, flow_id, type, name, payload, next_step_id, variable, validate,
         error_text, form_id, delay_seconds, condition, then_step_id, else_step_id, action,
         add_tag_id, remove_tag_id, ui)
       VALUES (@shop_id, @flow_id, @type, @name, @payload, @next_step_id, @variable, @validate,
         @error_text, @form_id, @delay_seconds, @condition, @then_step_id, @else_step_id, @action,
         @add_tag_id, @remove_tag_id, @ui)
       RETURNING *`,
    ),
    getStep: sql<[number], StepRow>(`SELECT * FROM steps WHERE id = ?`),
    listSteps: sql<Page & { flow_id: number | null }, StepRow>(
      `SELECT * FROM steps WHERE shop_id = @shop_id AND (flow_id = @flow_id OR @flow_id IS NULL)
       ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    countSteps: sql<{ shop_id: number; flow_id: number | null }, { n: number }>(
      `SELECT count(*) AS n FROM steps
       WHERE shop_id = @shop_id AND (flow_id = @flow_id OR @flow_id IS NULL)`,
    ),
    updateStep: sql<StepParams & { id: number; updated_at: string }, StepRow>(
      `UPDATE steps SET flow_id = @flow_id, type = @type, name = @name, payload = @payload,
         next_step_id = @next_step_id, variable = @variable, validate = @validate,
         error_text = @error_text, form_id = @form_id, delay_seconds = @delay_seconds,
         condition = @condition, then_step_id = @then_step_id, else_step_id = @else_step_id,
         action = @action, add_tag_id = @add_tag_id, remove_tag_id = @remove_tag_id,
         ui = @ui, updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    deleteStep: sql<[number]>(`DELETE FROM steps WHERE id = ?`),
    /** The flow as the loop rule sees it: who goes where, and who has buttons leading on. */
    graph: sql<
      [number],
      {
        id: number;
        type: string;
        next_step_id: number | null;
        then_step_id: number | null;
        else_step_id: number | null;
        has_step_buttons: number;
      }
    >(
      `SELECT s.id, s.type, s.next_step_id, s.then_step_id, s.else_step_id,
         EXISTS (SELECT 1 FROM menu_items m
                 WHERE m.step_id = s.id AND m.next_step_id IS NOT NULL) AS has_step_buttons
       FROM steps s WHERE s.flow_id = ?`,
    ),
    /** Steps whose buttons lead to the given step. */
    stepsWithButtonsTo: sql<[number], { step_id: number }>(
      `SELECT DISTINCT step_id FROM menu_items WHERE next_step_id = ?`,
    ),

    insertItem: sql<Omit<MenuItemRow, 'id' | 'created_at' | 'updated_at'>, MenuItemRow>(
      `INSERT INTO menu_items (shop_id, step_id, title, next_step_id, url, position)
       VALUES (@shop_id, @step_id, @title, @next_step_id, @url, @position) RETURNING *`,
    ),
    getItem: sql<[number], MenuItemRow>(`SELECT * FROM menu_items WHERE id = ?`),
    /** The item, locked until the transaction ends: it cannot move to another step meanwhile. */
    lockItem: sql<[number], MenuItemRow>(`SELECT * FROM menu_items WHERE id = ?${d.forUpdate}`),
    listItems: sql<Page & { step_id: number | null }, MenuItemRow>(
      `SELECT * FROM menu_items
       WHERE shop_id = @shop_id AND (step_id = @step_id OR @step_id IS NULL)
       ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    countItems: sql<{ shop_id: number; step_id: number | null }, { n: number }>(
      `SELECT count(*) AS n FROM menu_items
       WHERE shop_id = @shop_id AND (step_id = @step_id OR @step_id IS NULL)`,
    ),
    /** The buttons of several steps (a JSON array of ids), in each step's order. */
    itemsOfSteps: sql<[string], MenuItemRow>(
      `SELECT * FROM menu_items WHERE step_id IN ${d.ids('?')}
       ORDER BY step_id, position, id`,
    ),
    nextPosition: sql<[number], { n: number }>(
      `SELECT coalesce(max(position) + 1, 0) AS n FROM menu_items WHERE step_id = ?`,
    ),
    updateItem: sql<Omit<MenuItemRow, 'shop_id' | 'created_at'>, MenuItemRow>(
      `UPDATE menu_items SET step_id = @step_id, title = @title, next_step_id = @next_step_id,
         url = @url, position = @position, updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    deleteItem: sql<[number]>(`DELETE FROM menu_items WHERE id = ?`),
  };
}
export type ScenarioQueries = ReturnType<typeof scenarioQueries>;
