import { fromJson } from '../db/open.js';
import type { Flow, MenuItem, Payload, Step, StepData, StepType, StepUi } from './schemas.js';

/** Table rows of the scenario, mapped to API objects field by field. */

export type FlowRow = {
  id: number;
  shop_id: number;
  bot_id: number;
  name: string;
  first_step_id: number | null;
  created_at: string;
  updated_at: string;
};
export const toFlow = (r: FlowRow): Flow => ({
  id: r.id,
  shop_id: r.shop_id,
  bot_id: r.bot_id,
  name: r.name,
  first_step_id: r.first_step_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

export type MenuItemRow = {
  id: number;
  shop_id: number;
  step_id: number;
  title: string;
  next_step_id: number | null;
  url: string | null;
  position: number;
  created_at: string;
  updated_at: string;
};
export const toMenuItem = (r: MenuItemRow): MenuItem => ({
  id: r.id,
  shop_id: r.shop_id,
  step_id: r.step_id,
  title: r.title,
  next_step_id: r.next_step_id,
  url: r.url,
  position: r.position,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** The step columns written on insert and update. */
export type StepParams = {
  flow_id: number;
  type: StepType;
  name: string;
  payload: string;
  next_step_id: number | null;
  variable: string | null;
  validate: string | null;
  error_text: string | null;
  form_id: number | null;
  delay_seconds: number | null;
  condition: string | null;
  then_step_id: number | null;
  else_step_id: number | null;
  action: string | null;
  add_tag_id: number | null;
  remove_tag_id: number | null;
  ui: string | null;
};
export type StepRow = StepParams & {
  id: number;
  shop_id: number;
  created_at: string;
  updated_at: string;
};

/** Ids live in their own columns (foreign keys keep them valid); the rest of the objects is JSON. */
export const stepParams = (s: StepData): StepParams => ({
  flow_id: s.flow_id,
  type: s.type,
  name: s.name,
  payload: JSON.stringify({ text: s.payload.text, image_url: s.payload.image_url }),
  next_step_id: s.next_step_id,
  variable: s.variable,
  validate: s.validate,
  error_text: s.error_text,
  form_id: s.form,
  delay_seconds: s.delay_seconds,
  condition: s.condition
    ? JSON.stringify({ variable: s.condition.variable, equals: s.condition.equals })
    : null,
  then_step_id: s.condition?.then_step_id ?? null,
  else_step_id: s.condition?.else_step_id ?? null,
  action: s.action ? JSON.stringify({ set_var: s.action.set_var }) : null,
  add_tag_id: s.action?.add_tag_id ?? null,
  remove_tag_id: s.action?.remove_tag_id ?? null,
  ui: s.ui ? JSON.stringify({ x: s.ui.x, y: s.ui.y }) : null,
});

export const toStepData = (r: StepParams): StepData => {
  const payload = fromJson<Payload>(r.payload, { text: '' });
  const condition = fromJson<{ variable: string; equals: string } | null>(r.condition, null);
  const action = fromJson<{ set_var: { name: string; value: string } | null } | null>(
    r.action,
    null,
  );
  return {
    flow_id: r.flow_id,
    type: r.type,
    name: r.name,
    payload: {
      text: payload.text ?? '',
      ...(payload.image_url ? { image_url: payload.image_url } : {}),
    },
    next_step_id: r.next_step_id,
    variable: r.variable,
    validate: r.validate as StepData['validate'],
    error_text: r.error_text,
    form: r.form_id,
    delay_seconds: r.delay_seconds,
    condition: condition && {
      variable: condition.variable,
      equals: condition.equals,
      then_step_id: r.then_step_id,
      else_step_id: r.else_step_id,
    },
    action: action && {
      set_var: action.set_var ? { name: action.set_var.name, value: action.set_var.value } : null,
      add_tag_id: r.add_tag_id,
      remove_tag_id: r.remove_tag_id,
    },
    ui: fromJson<StepUi | null>(r.ui, null),
  };
};

export const toStep = (r: StepRow, menuItems: MenuItem[]): Step => ({
  id: r.id,
  shop_id: r.shop_id,
  ...toStepData(r),
  menu_items: menuItems,
  created_at: r.created_at,
  updated_at: r.updated_at,
});
