import type { Schemas } from '../api/client.js';

/**
 * The scenario editor's model of one flow: what the person sees and edits. Steps and their
 * buttons have keys of the editor's own (`s12` for step 12, `n3` for a step not saved yet),
 * and link to each other by key, so undo and redo can bring back a deleted step with its
 * links whatever id the relay gives it when it is saved again (relay ids live in the
 * saver, relay/scenario/sync.ts). Docs are never changed in place: an edit makes a new one.
 */

export type StepType = Schemas['Step']['type'];
export type Validate = NonNullable<Schemas['Step']['validate']>;
export type Point = { x: number; y: number };

export type EditorButton = {
  key: string;
  title: string;
  /** A step's key, or null (then `url`). */
  next: string | null;
  url: string | null;
};

export type EditorStep = {
  key: string;
  type: StepType;
  name: string;
  text: string;
  image_url: string | null;
  next: string | null;
  variable: string | null;
  validate: Validate | null;
  error_text: string | null;
  form: number | null;
  delay_seconds: number | null;
  condition: { variable: string; equals: string; then: string | null; else: string | null } | null;
  action: {
    set_var: { name: string; value: string } | null;
    add_tag_id: number | null;
    remove_tag_id: number | null;
  } | null;
  /** Where its card is drawn; null: never placed (laid out automatically, not saved). */
  ui: Point | null;
  buttons: EditorButton[];
};

export type EditorDoc = { name: string; first: string | null; steps: EditorStep[] };

export const STEP_TYPES: readonly StepType[] = [
  'message',
  'question',
  'lead',
  'delay',
  'condition',
  'action',
];

/** Step types that go on through `next_step_id` (a condition goes on through its branches). */
export const hasNext = (type: StepType) => type !== 'condition';

let counter = 0;
/** A key for something not saved yet, unique in this page. */
export const newKey = (prefix: 'n' | 'b') => `${prefix}${Date.now().toString(36)}${++counter}`;

export const stepKey = (id: number) => `s${id}`;
export const buttonKey = (id: number) => `b${id}`;

/** The relay's flow and steps as a doc. */
export function fromApi(flow: Schemas['Flow'], steps: Schemas['Step'][]): EditorDoc {
  const key = (id: number | null | undefined) => (id == null ? null : stepKey(id));
  return {
    name: flow.name,
    first: key(flow.first_step_id),
    steps: steps.map((s) => ({
      key: stepKey(s.id),
      type: s.type,
      name: s.name,
      text: s.payload.text ?? '',
      image_url: s.payload.image_url ?? null,
      next: key(s.next_step_id),
      variable: s.variable,
      validate: s.validate,
      error_text: s.error_text,
      form: s.form,
      delay_seconds: s.delay_seconds,
      condition: s.condition && {
        variable: s.condition.variable,
        equals: s.condition.equals,
        then: key(s.condition.then_step_id),
        else: key(s.condition.else_step_id),
      },
      action: s.action && {
        set_var: s.action.set_var ?? null,
        add_tag_id: s.action.add_tag_id ?? null,
        remove_tag_id: s.action.remove_tag_id ?? null,
      },
      ui: s.ui,
      buttons: s.menu_items.map((i) => ({
        key: buttonKey(i.id),
        title: i.title,
        next: key(i.next_step_id),
        url: i.url,
      })),
    })),
  };
}

/** What a new step of `type` starts with: enough for the relay to accept it. */
export function newStep(
  type: StepType,
  at: Point,
  defaults: { text: string; form: number | null },
): EditorStep {
  return {
    key: newKey('n'),
    type,
    name: '',
    text: type === 'message' || type === 'question' ? defaults.text : '',
    image_url: null,
    next: null,
    variable: type === 'question' ? 'answer' : null,
    validate: type === 'question' ? 'text' : null,
    error_text: null,
    form: type === 'lead' ? defaults.form : null,
    delay_seconds: type === 'delay' ? 3600 : null,
    condition:
      type === 'condition' ? { variable: 'answer', equals: 'yes', then: null, else: null } : null,
    action:
      type === 'action'
        ? { set_var: { name: 'answer', value: '' }, add_tag_id: null, remove_tag_id: null }
        : null,
    ui: { x: Math.round(at.x), y: Math.round(at.y) },
    buttons: [],
  };
}

/** A step changed to another type keeps its name, text, place, buttons and way on. */
export function retype(step: EditorStep, type: StepType, form: number | null): EditorStep {
  const fresh = newStep(type, step.ui ?? { x: 0, y: 0 }, { text: step.text, form });
  return {
    ...fresh,
    key: step.key,
    name: step.name,
    text: step.text,
    image_url: step.image_url,
    ui: step.ui,
    buttons: step.buttons,
    next: hasNext(type) ? (step.next ?? step.condition?.then ?? null) : null,
    variable: type === 'question' ? (step.variable ?? fresh.variable) : null,
    condition: type === 'condition' ? (step.condition ?? fresh.condition) : null,
  };
}

/** Every way one step leads to another: what an arrow on the canvas is. */
export type Link = {
  from: string;
  /** `next`, `then`, `else`, or a button's key. */
  via: string;
  to: string;
};

export function linksOf(step: EditorStep): Link[] {
  const links: Link[] = [];
  const add = (via: string, to: string | null) => to && links.push({ from: step.key, via, to });
  for (const b of step.buttons) add(b.key, b.next);
  add('next', step.next);
  add('then', step.condition?.then ?? null);
  add('else', step.condition?.else ?? null);
  return links;
}

/** The links that end at `key`: what deleting that step would cut. */
export const incoming = (doc: EditorDoc, key: string): Link[] =>
  doc.steps.flatMap(linksOf).filter((l) => l.to === key && l.from !== key);

/** `doc` with `key`'s link `via` pointing at `to` (null: cut). */
export function relink(step: EditorStep, via: string, to: string | null): EditorStep {
  if (via === 'next') return { ...step, next: to };
  if (via === 'then' || via === 'else')
    return step.condition ? { ...step, condition: { ...step.condition, [via]: to } } : step;
  return {
    ...step,
    buttons: step.buttons.map((b) =>
      b.key === via ? { ...b, next: to, url: to ? null : b.url } : b,
    ),
  };
}

/** The doc without step `key`, and every link to it cut. */
export function withoutStep(doc: EditorDoc, key: string): EditorDoc {
  return {
    ...doc,
    first: doc.first === key ? null : doc.first,
    steps: doc.steps
      .filter((s) => s.key !== key)
      .map((s) =>
        linksOf(s).reduce((acc, l) => (l.to === key ? relink(acc, l.via, null) : acc), s),
      ),
  };
}

export const stepOf = (doc: EditorDoc, key: string | null | undefined) =>
  key ? doc.steps.find((s) => s.key === key) : undefined;

/**
 * The steps in the order a person meets them: from the first step, breadth first along
 * buttons, next steps and branches; then the steps nothing leads to, in the order made.
 */
export function flowOrder(doc: EditorDoc): EditorStep[] {
  const byKey = new Map(doc.steps.map((s) => [s.key, s]));
  const seen = new Set<string>();
  const order: EditorStep[] = [];
  const queue = doc.first ? [doc.first] : [];
  while (queue.length) {
    const key = queue.shift()!;
    const step = byKey.get(key);
    if (!step || seen.has(key)) continue;
    seen.add(key);
    order.push(step);
    for (const l of linksOf(step)) queue.push(l.to);
  }
  return [...order, ...doc.steps.filter((s) => !seen.has(s.key))];
}

// Card geometry, shared by the canvas's CSS and its arrows (canvas pixels).
export const CARD_W = 232;
export const HEAD_H = 68;
export const ROW_H = 34;
export const INLET_Y = 24;

/** The rows of a card under its head, each an outlet when it can lead to a step. */
export type Row = { via: string; label: string; to: string | null; outlet: boolean; url?: string };

export function rowsOf(step: EditorStep, labels: { next: string; then: string; else: string }) {
  const rows: Row[] = step.buttons.map((b) => ({
    via: b.key,
    label: b.title,
    to: b.next,
    outlet: !b.url,
    ...(b.url ? { url: b.url } : {}),
  }));
  if (step.condition) {
    rows.push({ via: 'then', label: labels.then, to: step.condition.then, outlet: true });
    rows.push({ via: 'else', label: labels.else, to: step.condition.else, outlet: true });
  } else rows.push({ via: 'next', label: labels.next, to: step.next, outlet: true });
  return rows;
}

export const cardHeight = (rows: number) => HEAD_H + rows * ROW_H + 8;

/**
 * Where each card is: its saved place, or for a step never placed a place in columns by
 * distance from the first step (its first row to the right of the last placed card).
 */
export function layout(doc: EditorDoc): Map<string, Point> {
  const at = new Map<string, Point>();
  for (const s of doc.steps) if (s.ui) at.set(s.key, s.ui);
  const unplaced = flowOrder(doc).filter((s) => !s.ui);
  if (!unplaced.length) return at;
  const depth = new Map<string, number>();
  const byKey = new Map(doc.steps.map((s) => [s.key, s]));
  const queue: [string, number][] = doc.first ? [[doc.first, 0]] : [];
  while (queue.length) {
    const [key, d] = queue.shift()!;
    if (depth.has(key) || !byKey.has(key)) continue;
    depth.set(key, d);
    for (const l of linksOf(byKey.get(key)!)) queue.push([l.to, d + 1]);
  }
  const left = Math.max(0, ...[...at.values()].map((p) => p.x + CARD_W + 80)) || 0;
  const rows = new Map<number, number>();
  const deepest = Math.max(0, ...depth.values());
  for (const s of unplaced) {
    const col = depth.get(s.key) ?? deepest + 1;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    at.set(s.key, { x: left + col * (CARD_W + 88), y: row * 220 });
  }
  return at;
}

/** The variables a text may use: `name`, `phone`, the shop's custom fields, the flow's answers. */
export function variablesOf(doc: EditorDoc, customFields: readonly string[]): string[] {
  const names = new Set(['name', 'phone', ...customFields]);
  for (const s of doc.steps) {
    if (s.variable) names.add(s.variable);
    if (s.action?.set_var) names.add(s.action.set_var.name);
  }
  return [...names].sort((a, b) => a.localeCompare(b));
}
