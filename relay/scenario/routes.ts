import { createRoute } from '@hono/zod-openapi';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  ok,
  okJson,
  security,
} from '../http/api.js';
import { crudRoutes } from '../http/crud.js';
import { notFound } from '../http/errors.js';
import { FlowDocument, FlowImport } from './document.js';
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

const exportFlowRoute = createRoute({
  tags: ['scenario'],
  security,
  method: 'get',
  path: '/flows/{id}/export',
  operationId: 'exportFlow',
  summary: 'Export a flow as a portable JSON document',
  description:
    'Steps are named by keys (`s1`, `s2`… in the order they were made), forms and tags by name, so the document imports into any bot of any shop (POST /api/bot/flows/import/).',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(FlowDocument, 'The flow as a document'), ...errorResponses },
});

const importFlowRoute = createRoute({
  tags: ['scenario'],
  security,
  method: 'post',
  path: '/flows/import',
  operationId: 'importFlow',
  summary: 'Create a flow of a bot from a JSON document (an export), ids made anew',
  description:
    'All or nothing, in one transaction. Every problem is reported at once under its path in the body (`flow.steps.2.form`, `flow.steps.0.buttons.1.next_step`): a key used twice or naming no step, a form or tag the shop does not have (by name) or that is not the shop’s (by id), a field the step’s type does not use or lacks, a button with neither or both of `next_step` and `url`, a loop of steps that never waits for the person.',
  request: { query: ShopQuery, body: jsonBody(FlowImport) },
  responses: { 201: okJson(Flow, 'The new flow'), ...errorResponses },
});

/** Export and import of whole flows (relay/scenario/transfer.ts). */
export const flowTransferRoutes = ({ stores }: Deps) =>
  createRouter()
    .openapi(exportFlowRoute, async (c) => {
      const { id } = c.req.valid('param');
      const flow = owned(
        c.var.principal,
        await stores.scenario.flows.get(id),
        'Flow',
        c.req.valid('query').shop_id,
      );
      const doc = await stores.scenario.flows.export(flow.id);
      if (!doc) throw notFound('Flow');
      return c.json(ok(doc), 200);
    })
    .openapi(importFlowRoute, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      return c.json(ok(await stores.scenario.flows.import(shopId, input)), 201);
    });
