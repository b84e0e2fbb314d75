import { now, type Db } from '../db/open.js';
import { conflict, invalidField } from '../http/errors.js';
import type { PageQuery } from '../http/pagination.js';
import { describeLoop, endlessLoopThrough, type Loop } from './graph.js';
import { prepareScenario } from './queries.js';
import { referenceChecks } from './references.js';
import { stepParams, toFlow, toMenuItem, toStep, toStepData, type MenuItemRow } from './rows.js';
import { resolveMenuItem, resolveStep } from './rules.js';
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
 * inside the write's transaction, so two concurrent saves cannot close a loop together.
 */
export function createScenarioStore(db: Db) {
  const q = prepareScenario(db);

  const references = referenceChecks(q);

  const loopThrough = (stepId: number): Loop | null => {
    const step = q.stepOwner.get(stepId);
    if (!step) return null;
    const graph = q.graph.all(step.flow_id).map((r) => ({
      id: r.id,
      type: r.type,
      next_step_id: r.next_step_id,
      then_step_id: r.then_step_id,
      else_step_id: r.else_step_id,
      has_step_buttons: r.has_step_buttons === 1,
    }));
    return endlessLoopThrough(graph, stepId);
  };

  const itemsOf = (stepIds: number[]): Map<number, MenuItem[]> => {
    const byStep = new Map<number, MenuItem[]>(stepIds.map((id) => [id, []]));
    for (const row of q.itemsOfSteps.all(JSON.stringify(stepIds))) {
      byStep.get(row.step_id)!.push(toMenuItem(row));
    }
    return byStep;
  };
  const getStep = (id: number): Step | undefined => {
    const row = q.getStep.get(id);
    return row && toStep(row, itemsOf([id]).get(id)!);
  };

  const tx = {
    createFlow: db.transaction((shopId: number, input: FlowInput): Flow => {
      const check = references(shopId);
      check.bot('bot_id', input.bot_id);
      // A new flow has no steps yet, so no step can be its first.
      if (input.first_step_id != null) check.add('first_step_id', 'Choose a step of this flow.');
      check.done();
      const row = q.insertFlow.get({
        shop_id: shopId,
        bot_id: input.bot_id,
        name: input.name,
        first_step_id: null,
      })!;
      return toFlow(row);
    }),

    updateFlow: db.transaction((id: number, patch: FlowPatch): Flow | undefined => {
      const current = q.getFlow.get(id);
      if (!current) return undefined;
      const next = {
        bot_id: patch.bot_id ?? current.bot_id,
        name: patch.name ?? current.name,
        first_step_id:
          patch.first_step_id === undefined ? current.first_step_id : patch.first_step_id,
      };
      const check = references(current.shop_id);
      if (next.bot_id !== current.bot_id) {
        check.bot('bot_id', next.bot_id);
        const welcoming = q.welcomingBot.get({ flow_id: id, bot_id: next.bot_id });
        if (welcoming) {
          check.add(
            'bot_id',
            `This is the welcome flow of bot ${welcoming.id}; give that bot another one first.`,
          );
        }
      }
      check.step('first_step_id', next.first_step_id, id);
      check.done();
      return toFlow(q.updateFlow.get({ id, ...next, updated_at: now() })!);
    }),

    createStep: db.transaction((shopId: number, input: StepInput): Step => {
      const { step, errors } = resolveStep(undefined, input);
      const check = references(shopId, errors);
      if (check.flow('flow_id', step.flow_id)) check.stepData(step);
      check.done();
      // A new step has no way in yet, so it cannot close a loop.
      return toStep(q.insertStep.get({ shop_id: shopId, ...stepParams(step) })!, []);
    }),

    updateStep: db.transaction((id: number, patch: StepPatch): Step | undefined => {
      const row = q.getStep.get(id);
      if (!row) return undefined;
      const { step, errors } = resolveStep(toStepData(row), patch);
      const check = references(row.shop_id, errors);
      if (step.flow_id !== row.flow_id) check.add('flow_id', 'A step cannot move to another flow.');
      else check.stepData(step);
      check.done();
      const params = stepParams(step);
      q.updateStep.run({ id, ...params, updated_at: now() });
      // Only a save that changes where the step leads, or whether it waits, can close a loop;
      // other edits stay possible in a flow that has an older loop.
      const rewired = (['type', 'next_step_id', 'then_step_id', 'else_step_id'] as const).some(
        (k) => params[k] !== row[k],
      );
      const loop = rewired ? loopThrough(id) : null;
      if (loop) throw invalidField(loopFieldOfStep(loop, patch), describeLoop(loop));
      return getStep(id);
    }),

    deleteStep: db.transaction((id: number): boolean => {
      // Buttons leading here lose their target (ON DELETE SET NULL): their steps may stop
      // waiting for the user and close a loop.
      const withButtons = q.stepsWithButtonsTo.all(id).map((r) => r.step_id);
      if (q.deleteStep.run(id).changes === 0) return false;
      for (const stepId of withButtons) {
        const loop = loopThrough(stepId);
        if (loop) {
          throw conflict(
            `Step ${stepId} would have no button leading on without step ${id}. ${describeLoop(loop)}`,
          );
        }
      }
      return true;
    }),

    createItem: db.transaction((shopId: number, input: MenuItemInput): MenuItem => {
      const { item, errors } = resolveMenuItem(undefined, input);
      const check = references(shopId, errors);
      const step = q.stepOwner.get(item.step_id);
      if (step?.shop_id !== shopId) check.add('step_id', 'Choose a step of this shop.');
      else check.step('next_step_id', item.next_step_id, step.flow_id);
      check.done();
      const row = q.insertItem.get({
        shop_id: shopId,
        step_id: item.step_id,
        title: item.title,
        next_step_id: item.next_step_id,
        url: item.url,
        position: item.position ?? q.nextPosition.get(item.step_id)!.n,
      })!;
      // A new button can only make its step wait, never close a loop.
      return toMenuItem(row);
    }),

    updateItem: db.transaction((id: number, patch: MenuItemPatch): MenuItem | undefined => {
      const row = q.getItem.get(id);
      if (!row) return undefined;
      const { item, errors } = resolveMenuItem(
        {
          step_id: row.step_id,
          title: row.title,
          next_step_id: row.next_step_id,
          url: row.url,
          position: row.position,
        },
        patch,
      );
      const check = references(row.shop_id, errors);
      const step = q.stepOwner.get(item.step_id);
      if (step?.shop_id !== row.shop_id) check.add('step_id', 'Choose a step of this shop.');
      else check.step('next_step_id', item.next_step_id, step.flow_id);
      check.done();
      const updated = q.updateItem.get({
        id,
        step_id: item.step_id,
        title: item.title,
        next_step_id: item.next_step_id,
        url: item.url,
        position: item.position ?? row.position,
        updated_at: now(),
      })!;
      const rewired =
        item.step_id !== row.step_id ||
        (item.next_step_id === null) !== (row.next_step_id === null);
      for (const stepId of rewired ? new Set([row.step_id, item.step_id]) : []) {
        const loop = loopThrough(stepId);
        if (loop) throw invalidField(loopFieldOfItem(row, item.step_id, patch), describeLoop(loop));
      }
      return toMenuItem(updated);
    }),

    deleteItem: db.transaction((id: number): boolean => {
      const row = q.getItem.get(id);
      if (!row) return false;
      q.deleteItem.run(id);
      const loop = loopThrough(row.step_id);
      if (loop) throw conflict(`Step ${row.step_id} would stop waiting. ${describeLoop(loop)}`);
      return true;
    }),
  };

  return {
    /**
     * Synchronous reads for the scenario runtime, which works inside the write transaction of
     * the message, API call or scheduler tick that moves a run.
     */
    flowInTx: (id: number): Flow | undefined => {
      const row = q.getFlow.get(id);
      return row && toFlow(row);
    },
    /** A step with its buttons (menu items) in order. */
    stepInTx: getStep,
    itemInTx: (id: number): MenuItem | undefined => {
      const row = q.getItem.get(id);
      return row && toMenuItem(row);
    },

    flows: {
      async create(shopId: number, input: FlowInput): Promise<Flow> {
        return tx.createFlow.immediate(shopId, input);
      },
      async get(id: number): Promise<Flow | undefined> {
        const row = q.getFlow.get(id);
        return row && toFlow(row);
      },
      async list(shopId: number, botId: number | null, page: PageQuery): Promise<List<Flow>> {
        const filter = { shop_id: shopId, bot_id: botId };
        return {
          count: q.countFlows.get(filter)!.n,
          rows: q.listFlows.all({ ...filter, ...page }).map(toFlow),
        };
      },
      async update(id: number, patch: FlowPatch): Promise<Flow | undefined> {
        return tx.updateFlow.immediate(id, patch);
      },
      /** Deletes the flow with its steps and their buttons (ON DELETE CASCADE). */
      async delete(id: number): Promise<boolean> {
        return q.deleteFlow.run(id).changes > 0;
      },
    },

    steps: {
      async create(shopId: number, input: StepInput): Promise<Step> {
        return tx.createStep.immediate(shopId, input);
      },
      async get(id: number): Promise<Step | undefined> {
        return getStep(id);
      },
      async list(shopId: number, flowId: number | null, page: PageQuery): Promise<List<Step>> {
        const filter = { shop_id: shopId, flow_id: flowId };
        const rows = q.listSteps.all({ ...filter, ...page });
        const items = itemsOf(rows.map((r) => r.id));
        return {
          count: q.countSteps.get(filter)!.n,
          rows: rows.map((r) => toStep(r, items.get(r.id)!)),
        };
      },
      async update(id: number, patch: StepPatch): Promise<Step | undefined> {
        return tx.updateStep.immediate(id, patch);
      },
      /** References to the step become null (ON DELETE SET NULL); its buttons go with it. */
      async delete(id: number): Promise<boolean> {
        return tx.deleteStep.immediate(id);
      },
    },

    menuItems: {
      async create(shopId: number, input: MenuItemInput): Promise<MenuItem> {
        return tx.createItem.immediate(shopId, input);
      },
      async get(id: number): Promise<MenuItem | undefined> {
        const row = q.getItem.get(id);
        return row && toMenuItem(row);
      },
      async list(shopId: number, stepId: number | null, page: PageQuery): Promise<List<MenuItem>> {
        const filter = { shop_id: shopId, step_id: stepId };
        return {
          count: q.countItems.get(filter)!.n,
          rows: q.listItems.all({ ...filter, ...page }).map(toMenuItem),
        };
      },
      async update(id: number, patch: MenuItemPatch): Promise<MenuItem | undefined> {
        return tx.updateItem.immediate(id, patch);
      },
      async delete(id: number): Promise<boolean> {
        return tx.deleteItem.immediate(id);
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
