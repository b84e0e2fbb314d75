import type { Queryable, Tx } from '../db/sql.js';
import { badRequest, type FieldErrors } from '../http/errors.js';
import { FLOW_FORMAT, type DocumentStep, type FlowDocument, type FlowImport } from './document.js';
import { endlessLoopThrough, type EdgeField } from './graph.js';
import type { ScenarioQueries } from './queries.js';
import type { referenceChecks } from './references.js';
import { stepParams, toFlow, toStepData, type FlowRow } from './rows.js';
import { resolveMenuItem, resolveStep } from './rules.js';

/**
 * Flows as portable documents (relay/scenario/document.ts). An export names steps by keys
 * (`s1`, `s2`… in the order they were made), forms and tags by name. An import checks the
 * whole document first — keys, every reference against the importing shop, each step's type
 * rules, each button — and reports every problem at once under its path
 * (`flow.steps.2.form`); then it writes the flow, its steps, their links and buttons in the
 * caller's transaction and refuses (rolling all of it back) a document with an endless loop.
 */

type Checks = ReturnType<ReturnType<typeof referenceChecks>>;

export async function exportFlow(
  c: Queryable,
  q: ScenarioQueries,
  flow: FlowRow,
): Promise<FlowDocument> {
  const rows = await c.all(q.stepsOfFlow, [flow.id]);
  const keyOf = new Map(rows.map((r, i) => [r.id, `s${i + 1}`]));
  const key = (id: number | null) => (id === null ? null : (keyOf.get(id) ?? null));
  const items = await c.all(q.itemsOfSteps, [JSON.stringify(rows.map((r) => r.id))]);
  const name = async (stmt: typeof q.formName, id: number | null) =>
    id === null ? null : ((await c.get(stmt, [id]))?.name ?? null);

  const steps: DocumentStep[] = [];
  for (const row of rows) {
    const s = toStepData(row);
    steps.push({
      key: key(row.id)!,
      type: s.type,
      name: s.name,
      payload: s.payload,
      next_step: key(s.next_step_id),
      variable: s.variable,
      validate: s.validate,
      error_text: s.error_text,
      form: await name(q.formName, s.form),
      delay_seconds: s.delay_seconds,
      condition: s.condition && {
        variable: s.condition.variable,
        equals: s.condition.equals,
        then_step: key(s.condition.then_step_id),
        else_step: key(s.condition.else_step_id),
      },
      action: s.action && {
        set_var: s.action.set_var,
        add_tag: await name(q.tagName, s.action.add_tag_id),
        remove_tag: await name(q.tagName, s.action.remove_tag_id),
      },
      ui: s.ui,
      buttons: items
        .filter((i) => i.step_id === row.id)
        .map((i) => ({ title: i.title, next_step: key(i.next_step_id), url: i.url })),
    });
  }
  return {
    format: FLOW_FORMAT,
    version: 1,
    name: flow.name,
    first_step: key(flow.first_step_id),
    steps,
  };
}

/** The API's field for a rule's error, as the document calls it. */
const DOCUMENT_FIELD: Record<string, string> = {
  next_step_id: 'next_step',
  'condition.then_step_id': 'condition.then_step',
  'condition.else_step_id': 'condition.else_step',
};
const documentField = (field: string) => DOCUMENT_FIELD[field] ?? field;

export async function importFlow(
  tx: Tx,
  q: ScenarioQueries,
  check: Checks,
  errors: FieldErrors,
  shopId: number,
  input: FlowImport,
) {
  const doc = input.flow;
  const add = check.add;
  await check.bot('bot_id', input.bot_id);

  const index = new Map<string, number>();
  doc.steps.forEach((s, i) => {
    if (index.has(s.key)) add(`flow.steps.${i}.key`, `Another step has the key “${s.key}”.`);
    else index.set(s.key, i);
  });
  const ref = (field: string, key: string | null) => {
    if (key !== null && !index.has(key)) add(field, `No step of this flow has the key “${key}”.`);
  };
  /** A form or tag of this shop, by name or id; null (with an error) when there is none. */
  const named = async (
    field: string,
    what: 'form' | 'tag',
    value: string | number | null,
  ): Promise<number | null> => {
    if (value === null) return null;
    if (typeof value === 'number') {
      await (what === 'form' ? check.form(field, value) : check.tag(field, value));
      return value;
    }
    const row = await tx.get(what === 'form' ? q.formNamed : q.tagNamed, [shopId, value]);
    if (!row)
      add(
        field,
        `This shop has no ${what} named “${value}”. Create it first, or choose another ${what} in the document.`,
      );
    return row?.id ?? null;
  };

  ref('flow.first_step', doc.first_step);
  // What each step will store, its links still keys.
  const prepared = [];
  for (const [i, s] of doc.steps.entries()) {
    const at = `flow.steps.${i}`;
    ref(`${at}.next_step`, s.next_step);
    ref(`${at}.condition.then_step`, s.condition?.then_step ?? null);
    ref(`${at}.condition.else_step`, s.condition?.else_step ?? null);
    const form = await named(`${at}.form`, 'form', s.form);
    const addTag = await named(`${at}.action.add_tag`, 'tag', s.action?.add_tag ?? null);
    const removeTag = await named(`${at}.action.remove_tag`, 'tag', s.action?.remove_tag ?? null);
    // The type rules see a link as set or not: any id stands for a set one.
    const set = (key: string | null) => (key === null ? null : 1);
    const { step, errors: broken } = resolveStep(undefined, {
      flow_id: 1,
      type: s.type,
      name: s.name,
      payload: s.payload,
      next_step_id: set(s.next_step),
      variable: s.variable,
      validate: s.validate,
      error_text: s.error_text,
      form: s.form === null ? null : 1,
      delay_seconds: s.delay_seconds,
      condition: s.condition && {
        variable: s.condition.variable,
        equals: s.condition.equals,
        then_step_id: set(s.condition.then_step),
        else_step_id: set(s.condition.else_step),
      },
      action: s.action && {
        set_var: s.action.set_var,
        add_tag_id: s.action.add_tag === null ? null : 1,
        remove_tag_id: s.action.remove_tag === null ? null : 1,
      },
      ui: s.ui,
    });
    for (const [field, messages] of Object.entries(broken))
      for (const m of messages) add(`${at}.${documentField(field)}`, m);
    for (const [j, b] of s.buttons.entries()) {
      ref(`${at}.buttons.${j}.next_step`, b.next_step);
      const { errors: wrong } = resolveMenuItem(undefined, {
        step_id: 1,
        title: b.title,
        next_step_id: set(b.next_step),
        url: b.url,
      });
      for (const [field, messages] of Object.entries(wrong))
        for (const m of messages) add(`${at}.buttons.${j}.${documentField(field)}`, m);
    }
    prepared.push({
      s,
      data: {
        ...step,
        form,
        action: step.action && { ...step.action, add_tag_id: addTag, remove_tag_id: removeTag },
      },
    });
  }
  if (Object.keys(errors).length)
    throw badRequest('This flow cannot be imported: check the highlighted fields.', errors);

  const flow = (await tx.get(q.insertFlow, {
    shop_id: shopId,
    bot_id: input.bot_id,
    name: input.name ?? doc.name,
    first_step_id: null,
  }))!;
  // Steps first, then their links, once every key has an id.
  const ids: number[] = [];
  for (const { data } of prepared) {
    const unlinked = {
      ...data,
      flow_id: flow.id,
      next_step_id: null,
      condition: data.condition && { ...data.condition, then_step_id: null, else_step_id: null },
    };
    ids.push((await tx.get(q.insertStep, { shop_id: shopId, ...stepParams(unlinked) }))!.id);
  }
  const idOf = (key: string | null) => (key === null ? null : ids[index.get(key)!]);
  for (const [i, { s, data }] of prepared.entries()) {
    const link = {
      id: ids[i],
      next_step_id: data.next_step_id === null ? null : idOf(s.next_step),
      then_step_id: data.condition ? idOf(s.condition!.then_step) : null,
      else_step_id: data.condition ? idOf(s.condition!.else_step) : null,
    };
    if (link.next_step_id !== null || link.then_step_id !== null || link.else_step_id !== null)
      await tx.run(q.linkStep, link);
    for (const [position, b] of s.buttons.entries())
      await tx.run(q.insertItem, {
        shop_id: shopId,
        step_id: ids[i],
        title: b.title,
        next_step_id: idOf(b.next_step),
        url: b.next_step === null ? b.url : null,
        position,
      });
  }
  const saved = (await tx.get(q.updateFlow, {
    id: flow.id,
    bot_id: flow.bot_id,
    name: flow.name,
    first_step_id: idOf(doc.first_step),
    updated_at: flow.updated_at,
  }))!;

  // A loop that never waits, anywhere in the document: refused like a save that closes one.
  const graph = (await tx.all(q.graph, [flow.id])).map((r) => ({
    ...r,
    has_step_buttons: r.has_step_buttons === 1,
  }));
  const keyOf = new Map(ids.map((id, i) => [id, doc.steps[i].key]));
  for (const [i, id] of ids.entries()) {
    const loop = endlessLoopThrough(graph, id);
    if (!loop) continue;
    const path = loop.steps.map((s) => keyOf.get(s)).join(' → ');
    throw badRequest('This flow cannot be imported: check the highlighted fields.', {
      [`flow.steps.${i}.${documentField(loop.field satisfies EdgeField)}`]: [
        `This would loop forever: ${path} run one after another without waiting for the user. ` +
          'Put a question, buttons leading to a step, or a delay in the loop.',
      ],
    });
  }
  return toFlow(saved);
}
