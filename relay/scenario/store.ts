import { dialect } from '../db/dialect.js';
import type { Events } from '../db/events.js';
import type { Database, Queryable, Tx } from '../db/sql.js';
import { conflict, invalidField } from '../http/errors.js';
import type { PageQuery } from '../http/pagination.js';
import { describeLoop, endlessLoopThrough, type Loop } from './graph.js';
import { scenarioQueries } from './queries.js';
import { referenceChecks } from './references.js';
import { stepParams, toFlow, toMenuItem, toStep, toStepData, type MenuItemRow } from './rows.js';
import { resolveMenuItem, resolveStep } from './rules.js';
import { exportFlow, importFlow } from './transfer.js';
import { checkVersion, nextVersion } from './versions.js';
import type { FlowDocument, FlowImport } from './document.js';
import type {
  Flow,
  FlowInput,
  FlowPatch,
  MenuItem,
  MenuItemInput,
  MenuItemPatch,
  Step,
  StepInput,
  StepPatch,
} from './schemas.js';

type List<T> = { count: number; rows: T[] };

/**
 * The scenario aggregate: flows, their steps and the steps' buttons (menu items). Every
 * write checks its references against the shop and the flow, and refuses an endless loop,
 * inside the write's transaction. Edits of one flow's graph take turns (an advisory lock per
 * flow on PostgreSQL; SQLite has one writer), so two concurrent saves cannot each pass the
 * loop check and close a loop together.
 *
 * An update may carry the `updated_at` the client read (relay/scenario/versions.ts): a stale
 * one is refused with 409. Every write raises `flow.updated` for the flows it changed, so an
 * editor open on a flow hears of another's save through the shop's event stream.
 */
export function createScenarioStore(db: Database, events: Events) {
  const q = scenarioQueries(dialect(db.engine));

  const references = referenceChecks(q);

  /**
   * Waits until no other transaction edits these flows' graphs, then keeps them until this
   * one ends; in id order, so two edits of the same two flows cannot wait for each other.
   * The lock is re-entrant: taking it again is harmless.
   */
  const lockFlows = async (tx: Tx, ...flowIds: (number | null | undefined)[]) => {
    if (tx.engine !== 'postgres') return;
    const ids = [...new Set(flowIds.filter((id): id is number => id != null))];
    for (const id of ids.sort((a, b) => a - b)) await tx.run(q.lockFlow, [id]);
  };
  const flowOfStep = async (tx: Tx, stepId: number | undefined) =>
    stepId === undefined ? undefined : (await tx.get(q.stepOwner, [stepId]))?.flow_id;

  const loopThrough = async (tx: Tx, stepId: number): Promise<Loop | null> => {
    const step = await tx.get(q.stepOwner, [stepId]);
    if (!step) return null;
    const graph = (await tx.all(q.graph, [step.flow_id])).map((r) => ({
      id: r.id,
      type: r.type,
      next_step_id: r.next_step_id,
      then_step_id: r.then_step_id,
      else_step_id: r.else_step_id,
      has_step_buttons: r.has_step_buttons === 1,
    }));
    return endlessLoopThrough(graph, stepId);
  };

  const itemsOf = async (c: Queryable, stepIds: number[]): Promise<Map<number, MenuItem[]>> => {
    const byStep = new Map<number, MenuItem[]>(stepIds.map((id) => [id, []]));
    for (const row of await c.all(q.itemsOfSteps, [JSON.stringify(stepIds)])) {
      byStep.get(row.step_id)!.push(toMenuItem(row));
    }
    return byStep;
  };
  const getStep = async (c: Queryable, id: number): Promise<Step | undefined> => {
    const row = await c.get(q.getStep, [id]);
    return row && toStep(row, (await itemsOf(c, [id])).get(id)!);
  };
  const getFlow = async (c: Queryable, id: number): Promise<Flow | undefined> => {
    const row = await c.get(q.getFlow, [id]);
    return row && toFlow(row);
  };
  const getItem = async (c: Queryable, id: number): Promise<MenuItem | undefined> => {
    const row = await c.get(q.getItem, [id]);
    return row && toMenuItem(row);
  };

  /** Tells the shop's event stream that these flows' graphs changed (once per flow). */
  const changed = async (tx: Tx, shopId: number, ...flowIds: (number | null | undefined)[]) => {
    for (const flowId of new Set(flowIds))
      if (flowId != null)
        await events.emit(tx, { name: 'flow.updated', shop_id: shopId, flow_id: flowId });
  };

  const write = {
    async createFlow(tx: Tx, shopId: number, input: FlowInput): Promise<Flow> {
      const check = references(tx, shopId);
      await check.bot('bot_id', input.bot_id);
      // A new flow has no steps yet, so no step can be its first.
      if (input.first_step_id != null) check.add('first_step_id', 'Choose a step of this flow.');
      check.done();
      const row = (await tx.get(q.insertFlow, {
        shop_id: shopId,
        bot_id: input.bot_id,
        name: input.name,
        first_step_id: null,
      }))!;
      await changed(tx, shopId, row.id);
      return toFlow(row);
    },

    async updateFlow(tx: Tx, id: number, patch: FlowPatch): Promise<Flow | undefined> {
      await lockFlows(tx, id);
      const current = await tx.get(q.getFlow, [id]);
      if (!current) return undefined;
      await checkVersion('flow', current.updated_at, patch.updated_at, async () => toFlow(current));
      const next = {
        bot_id: patch.bot_id ?? current.bot_id,
        name: patch.name ?? current.name,
        first_step_id:
          patch.first_step_id === undefined ? current.first_step_id : patch.first_step_id,
      };
      const check = references(tx, current.shop_id);
      if (next.bot_id !== current.bot_id) {
        await check.bot('bot_id', next.bot_id);
        const welcoming = await tx.get(q.welcomingBot, { flow_id: id, bot_id: next.bot_id });
        if (welcoming) {
          check.add(
            'bot_id',
            `This is the welcome flow of bot ${welcoming.id}; give that bot another one first.`,
          );
        }
      }
      await check.step('first_step_id', next.first_step_id, id);
      check.done();
      const updated = await tx.get(q.updateFlow, {
        id,
        ...next,
        updated_at: nextVersion(current.updated_at),
      });
      await changed(tx, current.shop_id, id);
      return toFlow(updated!);
    },

    async deleteFlow(tx: Tx, id: number): Promise<boolean> {
      const flow = await tx.get(q.getFlow, [id]);
      if (!flow || (await tx.run(q.deleteFlow, [id])).changes === 0) return false;
      await changed(tx, flow.shop_id, id);
      return true;
    },

    async createStep(tx: Tx, shopId: number, input: StepInput): Promise<Step> {
      const { step, errors } = resolveStep(undefined, input);
      // Its links are checked against the flow's steps: none may go meanwhile.
      await lockFlows(tx, step.flow_id);
      const check = references(tx, shopId, errors);
      if (await check.flow('flow_id', step.flow_id)) await check.stepData(step);
      check.done();
      // A new step has no way in yet, so it cannot close a loop.
      const row = await tx.get(q.insertStep, { shop_id: shopId, ...stepParams(step) });
      await changed(tx, shopId, step.flow_id);
      return toStep(row!, []);
    },

    async updateStep(tx: Tx, id: number, patch: StepPatch): Promise<Step | undefined> {
      // A step never moves to another flow: the flow read before the lock stays its flow.
      await lockFlows(tx, await flowOfStep(tx, id));
      const row = await tx.get(q.getStep, [id]);
      if (!row) return undefined;
      const { updated_at: expected, ...changes } = patch;
      await checkVersion('step', row.updated_at, expected, () => getStep(tx, id));
      const { step, errors } = resolveStep(toStepData(row), changes);
      const check = references(tx, row.shop_id, errors);
      if (step.flow_id !== row.flow_id) check.add('flow_id', 'A step cannot move to another flow.');
      else await check.stepData(step);
      check.done();
      const params = stepParams(step);
      await tx.run(q.updateStep, { id, ...params, updated_at: nextVersion(row.updated_at) });
      // Only a save that changes where the step leads, or whether it waits, can close a loop;
      // other edits stay possible in a flow that has an older loop.
      const rewired = (['type', 'next_step_id', 'then_step_id', 'else_step_id'] as const).some(
        (k) => params[k] !== row[k],
      );
      const loop = rewired ? await loopThrough(tx, id) : null;
      if (loop) throw invalidField(loopFieldOfStep(loop, patch), describeLoop(loop));
      await changed(tx, row.shop_id, row.flow_id);
      return getStep(tx, id);
    },

    async deleteStep(tx: Tx, id: number): Promise<boolean> {
      await lockFlows(tx, await flowOfStep(tx, id));
      const owner = await tx.get(q.stepOwner, [id]);
      // Buttons leading here lose their target (ON DELETE SET NULL): their steps may stop
      // waiting for the user and close a loop.
      const withButtons = (await tx.all(q.stepsWithButtonsTo, [id])).map((r) => r.step_id);
      if ((await tx.run(q.deleteStep, [id])).changes === 0) return false;
      for (const stepId of withButtons) {
        const loop = await loopThrough(tx, stepId);
        if (loop) {
          throw conflict(
            `Step ${stepId} would have no button leading on without step ${id}. ${describeLoop(loop)}`,
          );
        }
      }
      await changed(tx, owner!.shop_id, owner!.flow_id);
      return true;
    },

    async createItem(tx: Tx, shopId: number, input: MenuItemInput): Promise<MenuItem> {
      const { item, errors } = resolveMenuItem(undefined, input);
      const step = await tx.get(q.stepOwner, [item.step_id]);
      // Its target is checked against the flow's steps: none may go meanwhile.
      await lockFlows(tx, step?.flow_id);
      const check = references(tx, shopId, errors);
      if (step?.shop_id !== shopId) check.add('step_id', 'Choose a step of this shop.');
      else await check.step('next_step_id', item.next_step_id, step.flow_id);
      check.done();
      const row = (await tx.get(q.insertItem, {
        shop_id: shopId,
        step_id: item.step_id,
        title: item.title,
        next_step_id: item.next_step_id,
        url: item.url,
        position: item.position ?? (await tx.get(q.nextPosition, [item.step_id]))!.n,
      }))!;
      // A new button can only make its step wait, never close a loop.
      await changed(tx, shopId, step!.flow_id);
      return toMenuItem(row);
    },

    async updateItem(tx: Tx, id: number, patch: MenuItemPatch): Promise<MenuItem | undefined> {
      // A button may move to a step of another flow: both flows' graphs change.
      await lockFlows(
        tx,
        (await tx.get(q.itemFlow, [id]))?.flow_id,
        await flowOfStep(tx, patch.step_id),
      );
      // Locked, so that it stays on the step whose flow is locked (a move that committed
      // before the lock is seen here, and its flow locked below).
      const row = await tx.get(q.lockItem, [id]);
      if (!row) return undefined;
      const { updated_at: expected, ...changes } = patch;
      await checkVersion('button', row.updated_at, expected, async () => toMenuItem(row));
      const { item, errors } = resolveMenuItem(
        {
          step_id: row.step_id,
          title: row.title,
          next_step_id: row.next_step_id,
          url: row.url,
          position: row.position,
        },
        changes,
      );
      const check = references(tx, row.shop_id, errors);
      const step = await tx.get(q.stepOwner, [item.step_id]);
      const before = await flowOfStep(tx, row.step_id);
      await lockFlows(tx, before, step?.flow_id);
      if (step?.shop_id !== row.shop_id) check.add('step_id', 'Choose a step of this shop.');
      else await check.step('next_step_id', item.next_step_id, step.flow_id);
      check.done();
      const updated = (await tx.get(q.updateItem, {
        id,
        step_id: item.step_id,
        title: item.title,
        next_step_id: item.next_step_id,
        url: item.url,
        position: item.position ?? row.position,
        updated_at: nextVersion(row.updated_at),
      }))!;
      const rewired =
        item.step_id !== row.step_id ||
        (item.next_step_id === null) !== (row.next_step_id === null);
      for (const stepId of rewired ? new Set([row.step_id, item.step_id]) : []) {
        const loop = await loopThrough(tx, stepId);
        if (loop) throw invalidField(loopFieldOfItem(row, item.step_id, patch), describeLoop(loop));
      }
      await changed(tx, row.shop_id, before, step?.flow_id);
      return toMenuItem(updated);
    },

    async deleteItem(tx: Tx, id: number): Promise<boolean> {
      await lockFlows(tx, (await tx.get(q.itemFlow, [id]))?.flow_id);
      const row = await tx.get(q.lockItem, [id]);
      if (!row) return false;
      const flowId = await flowOfStep(tx, row.step_id);
      await lockFlows(tx, flowId);
      await tx.run(q.deleteItem, [id]);
      const loop = await loopThrough(tx, row.step_id);
      if (loop) throw conflict(`Step ${row.step_id} would stop waiting. ${describeLoop(loop)}`);
      await changed(tx, row.shop_id, flowId);
      return true;
    },
  };

  return {
    /**
     * Reads for the scenario runtime, which works inside the write transaction of the
     * message, API call or scheduler tick that moves a run.
     */
    flowInTx: (tx: Tx, id: number): Promise<Flow | undefined> => getFlow(tx, id),
    /** A step with its buttons (menu items) in order. */
    stepInTx: (tx: Tx, id: number): Promise<Step | undefined> => getStep(tx, id),
    itemInTx: (tx: Tx, id: number): Promise<MenuItem | undefined> => getItem(tx, id),

    flows: {
      async create(shopId: number, input: FlowInput): Promise<Flow> {
        return db.tx((tx) => write.createFlow(tx, shopId, input));
      },
      async get(id: number): Promise<Flow | undefined> {
        return getFlow(db, id);
      },
      async list(shopId: number, botId: number | null, page: PageQuery): Promise<List<Flow>> {
        const filter = { shop_id: shopId, bot_id: botId };
        return {
          count: (await db.get(q.countFlows, filter))!.n,
          rows: (await db.all(q.listFlows, { ...filter, ...page })).map(toFlow),
        };
      },
      async update(id: number, patch: FlowPatch): Promise<Flow | undefined> {
        return db.tx((tx) => write.updateFlow(tx, id, patch));
      },
      /** The flow as a portable document (relay/scenario/document.ts). */
      async export(id: number): Promise<FlowDocument | undefined> {
        const row = await db.get(q.getFlow, [id]);
        return row && exportFlow(db, q, row);
      },
      /** A new flow of `input.bot_id` from a document, all of it or nothing. */
      async import(shopId: number, input: FlowImport): Promise<Flow> {
        return db.tx(async (tx) => {
          const errors = {};
          const flow = await importFlow(
            tx,
            q,
            references(tx, shopId, errors),
            errors,
            shopId,
            input,
          );
          await changed(tx, shopId, flow.id);
          return flow;
        });
      },
      /** Deletes the flow with its steps and their buttons (ON DELETE CASCADE). */
      async delete(id: number): Promise<boolean> {
        return db.tx((tx) => write.deleteFlow(tx, id));
      },
    },

    steps: {
      async create(shopId: number, input: StepInput): Promise<Step> {
        return db.tx((tx) => write.createStep(tx, shopId, input));
      },
      async get(id: number): Promise<Step | undefined> {
        return getStep(db, id);
      },
      async list(shopId: number, flowId: number | null, page: PageQuery): Promise<List<Step>> {
        const filter = { shop_id: shopId, flow_id: flowId };
        const rows = await db.all(q.listSteps, { ...filter, ...page });
        const items = await itemsOf(
          db,
          rows.map((r) => r.id),
        );
        return {
          count: (await db.get(q.countSteps, filter))!.n,
          rows: rows.map((r) => toStep(r, items.get(r.id)!)),
        };
      },
      async update(id: number, patch: StepPatch): Promise<Step | undefined> {
        return db.tx((tx) => write.updateStep(tx, id, patch));
      },
      /** References to the step become null (ON DELETE SET NULL); its buttons go with it. */
      async delete(id: number): Promise<boolean> {
        return db.tx((tx) => write.deleteStep(tx, id));
      },
    },

    menuItems: {
      async create(shopId: number, input: MenuItemInput): Promise<MenuItem> {
        return db.tx((tx) => write.createItem(tx, shopId, input));
      },
      async get(id: number): Promise<MenuItem | undefined> {
        return getItem(db, id);
      },
      async list(shopId: number, stepId: number | null, page: PageQuery): Promise<List<MenuItem>> {
        const filter = { shop_id: shopId, step_id: stepId };
        return {
          count: (await db.get(q.countItems, filter))!.n,
          rows: (await db.all(q.listItems, { ...filter, ...page })).map(toMenuItem),
        };
      },
      async update(id: number, patch: MenuItemPatch): Promise<MenuItem | undefined> {
        return db.tx((tx) => write.updateItem(tx, id, patch));
      },
      async delete(id: number): Promise<boolean> {
        return db.tx((tx) => write.deleteItem(tx, id));
      },
    },
  };
}
export type ScenarioStore = ReturnType<typeof createScenarioStore>;

/** The field of a step PATCH that closed `loop`: the way out it set, or else its new type. */
function loopFieldOfStep(loop: Loop, patch: StepPatch): string {
  const sent = patch[loop.field.split('.')[0] as keyof StepPatch] !== undefined;
  return !sent && patch.type !== undefined ? 'type' : loop.field;
}

/** The field of a menu item PATCH that took the button's step off the user's hands. */
function loopFieldOfItem(before: MenuItemRow, stepId: number, patch: MenuItemPatch): string {
  if (stepId !== before.step_id) return 'step_id';
  return patch.url != null ? 'url' : 'next_step_id';
}
