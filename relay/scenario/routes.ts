import type { Deps } from '../deps.js';
import { crudRoutes } from '../http/crud.js';
import {
  EXAMPLES,
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

/** Flows, steps and menu items: each the platform's five routes over the scenario store. */

export const flowRoutes = ({ stores }: Deps) =>
  crudRoutes({
    path: '/flows',
    noun: 'Flow',
    tag: 'scenario',
    item: Flow,
    input: FlowInput,
    patch: FlowPatch,
    filter: 'bot_id',
    store: stores.scenario.flows,
    versioned: { what: 'flow', example: EXAMPLES.flow },
    summaries: {
      list: "List a shop's flows, optionally of one bot",
      create: 'Create a flow for a bot of the shop',
      read: 'Read a flow',
      update: 'Update a flow; first_step_id must be a step of this flow',
      remove: 'Delete a flow with its steps and their buttons',
    },
  });

export const stepRoutes = ({ stores }: Deps) =>
  crudRoutes({
    path: '/steps',
    noun: 'Step',
    tag: 'scenario',
    item: Step,
    input: StepInput,
    patch: StepPatch,
    filter: 'flow_id',
    store: stores.scenario.steps,
    versioned: { what: 'step', example: EXAMPLES.step },
    summaries: {
      list: "List a shop's steps (with their buttons), optionally of one flow",
      create: 'Create a step in a flow of the shop',
      read: 'Read a step with its buttons',
      update:
        'Update a step; payload, condition and action are replaced whole, null clears a field',
      remove: 'Delete a step and its buttons; references to it become null',
    },
    deleteConflict: {
      description:
        'A step whose buttons led here would have no button leading on: a loop that never waits.',
      example: 'Step 12 would have no button leading on without step 14. Steps 12 → 13 → 12 …',
    },
  });

export const menuItemRoutes = ({ stores }: Deps) =>
  crudRoutes({
    path: '/menu_items',
    noun: 'Menu item',
    tag: 'scenario',
    item: MenuItem,
    input: MenuItemInput,
    patch: MenuItemPatch,
    filter: 'step_id',
    store: stores.scenario.menuItems,
    versioned: { what: 'button', example: EXAMPLES.menuItem },
    summaries: {
      list: "List a shop's buttons (menu items), optionally of one step",
      create: 'Add a button to a step: it leads to a step of the same flow or opens a URL',
      read: 'Read a button',
      update: 'Update a button; setting next_step_id clears url and the other way round',
      remove: 'Delete a button',
    },
    deleteConflict: {
      description: 'Its step would stop waiting for a press and close a loop that never waits.',
      example: 'Step 12 would stop waiting. Steps 12 → 13 → 12 …',
    },
  });
