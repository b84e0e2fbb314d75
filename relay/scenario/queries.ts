import type { Db } from '../db/open.js';
import type { FlowRow, MenuItemRow, StepParams, StepRow } from './rows.js';

type Owner = { shop_id: number };
type Page = { shop_id: number; limit: number; offset: number };

/** Every statement of the scenario store, prepared once per database. */
export function prepareScenario(db: Db) {
  return {
    // References from scenario objects to the rest of the shop.
    botOwner: db.prepare<[number], Owner>(`SELECT shop_id FROM bots WHERE id = ?`),
    formOwner: db.prepare<[number], Owner>(`SELECT shop_id FROM forms WHERE id = ?`),
    tagOwner: db.prepare<[number], Owner>(`SELECT shop_id FROM tags WHERE id = ?`),
    flowOwner: db.prepare<[number], Owner>(`SELECT shop_id FROM flows WHERE id = ?`),
    stepOwner: db.prepare<[number], Owner & { flow_id: number }>(
      `SELECT shop_id, flow_id FROM steps WHERE id = ?`,
    ),
    /** Bots other than `bot_id` that greet new users with this flow. */
    welcomingBot: db.prepare<{ flow_id: number; bot_id: number }, { id: number }>(
      `SELECT id FROM bots WHERE welcome_flow_id = @flow_id AND id <> @bot_id LIMIT 1`,
    ),

    insertFlow: db.prepare<Omit<FlowRow, 'id' | 'created_at' | 'updated_at'>, FlowRow>(
      `INSERT INTO flows (shop_id, bot_id, name, first_step_id)
       VALUES (@shop_id, @bot_id, @name, @first_step_id) RETURNING *`,
    ),
    getFlow: db.prepare<[number], FlowRow>(`SELECT * FROM flows WHERE id = ?`),
    listFlows: db.prepare<Page & { bot_id: number | null }, FlowRow>(
      `SELECT * FROM flows WHERE shop_id = @shop_id AND (@bot_id IS NULL OR bot_id = @bot_id)
       ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    countFlows: db.prepare<{ shop_id: number; bot_id: number | null }, { n: number }>(
      `SELECT count(*) AS n FROM flows
       WHERE shop_id = @shop_id AND (@bot_id IS NULL OR bot_id = @bot_id)`,
    ),
    updateFlow: db.prepare<
      Pick<FlowRow, 'id' | 'bot_id' | 'name' | 'first_step_id' | 'updated_at'>,
      FlowRow
    >(
      `UPDATE flows SET bot_id = @bot_id, name = @name, first_step_id = @first_step_id,
       updated_at = @updated_at WHERE id = @id RETURNING *`,
    ),
    deleteFlow: db.prepare<[number]>(`DELETE FROM flows WHERE id = ?`),

    insertStep: db.prepare<StepParams & { shop_id: number }, StepRow>(
      `INSERT INTO steps (shop_id, flow_id, type, name, payload, next_step_id, variable, validate,
         error_text, form_id, delay_seconds, condition, then_step_id, else_step_id, action,
         add_tag_id, remove_tag_id)
       VALUES (@shop_id, @flow_id, @type, @name, @payload, @next_step_id, @variable, @validate,
         @error_text, @form_id, @delay_seconds, @condition, @then_step_id, @else_step_id, @action,
         @add_tag_id, @remove_tag_id)
       RETURNING *`,
    ),
    getStep: db.prepare<[number], StepRow>(`SELECT * FROM steps WHERE id = ?`),
    listSteps: db.prepare<Page & { flow_id: number | null }, StepRow>(
      `SELECT * FROM steps WHERE shop_id = @shop_id AND (@flow_id IS NULL OR flow_id = @flow_id)
       ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    countSteps: db.prepare<{ shop_id: number; flow_id: number | null }, { n: number }>(
      `SELECT count(*) AS n FROM steps
       WHERE shop_id = @shop_id AND (@flow_id IS NULL OR flow_id = @flow_id)`,
    ),
    updateStep: db.prepare<StepParams & { id: number; updated_at: string }, StepRow>(
      `UPDATE steps SET flow_id = @flow_id, type = @type, name = @name, payload = @payload,
         next_step_id = @next_step_id, variable = @variable, validate = @validate,
         error_text = @error_text, form_id = @form_id, delay_seconds = @delay_seconds,
         condition = @condition, then_step_id = @then_step_id, else_step_id = @else_step_id,
         action = @action, add_tag_id = @add_tag_id, remove_tag_id = @remove_tag_id,
         updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    deleteStep: db.prepare<[number]>(`DELETE FROM steps WHERE id = ?`),
    /** The flow as the loop rule sees it: who goes where, and who has buttons leading on. */
    graph: db.prepare<
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
    stepsWithButtonsTo: db.prepare<[number], { step_id: number }>(
      `SELECT DISTINCT step_id FROM menu_items WHERE next_step_id = ?`,
    ),

    insertItem: db.prepare<Omit<MenuItemRow, 'id' | 'created_at' | 'updated_at'>, MenuItemRow>(
      `INSERT INTO menu_items (shop_id, step_id, title, next_step_id, url, position)
       VALUES (@shop_id, @step_id, @title, @next_step_id, @url, @position) RETURNING *`,
    ),
    getItem: db.prepare<[number], MenuItemRow>(`SELECT * FROM menu_items WHERE id = ?`),
    listItems: db.prepare<Page & { step_id: number | null }, MenuItemRow>(
      `SELECT * FROM menu_items
       WHERE shop_id = @shop_id AND (@step_id IS NULL OR step_id = @step_id)
       ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    countItems: db.prepare<{ shop_id: number; step_id: number | null }, { n: number }>(
      `SELECT count(*) AS n FROM menu_items
       WHERE shop_id = @shop_id AND (@step_id IS NULL OR step_id = @step_id)`,
    ),
    /** The buttons of several steps (a JSON array of ids), in each step's order. */
    itemsOfSteps: db.prepare<[string], MenuItemRow>(
      `SELECT * FROM menu_items WHERE step_id IN (SELECT value FROM json_each(?))
       ORDER BY step_id, position, id`,
    ),
    nextPosition: db.prepare<[number], { n: number }>(
      `SELECT coalesce(max(position) + 1, 0) AS n FROM menu_items WHERE step_id = ?`,
    ),
    updateItem: db.prepare<Omit<MenuItemRow, 'shop_id' | 'created_at'>, MenuItemRow>(
      `UPDATE menu_items SET step_id = @step_id, title = @title, next_step_id = @next_step_id,
         url = @url, position = @position, updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    deleteItem: db.prepare<[number]>(`DELETE FROM menu_items WHERE id = ?`),
  };
}
export type ScenarioQueries = ReturnType<typeof prepareScenario>;
