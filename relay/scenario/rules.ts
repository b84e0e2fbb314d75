import type { FieldErrors } from '../http/errors.js';
import type { MenuItem, MenuItemPatch, StepData, StepPatch, StepType } from './schemas.js';

type TypedField =
  | 'next_step_id'
  | 'variable'
  | 'validate'
  | 'error_text'
  | 'form'
  | 'delay_seconds'
  | 'condition'
  | 'action';

/** Fields that only some step types use. A condition goes on through its two branches. */
const USED_BY: Record<TypedField, readonly StepType[]> = {
  next_step_id: ['message', 'question', 'lead', 'delay', 'action'],
  variable: ['question'],
  validate: ['question'],
  error_text: ['question'],
  form: ['lead'],
  delay_seconds: ['delay'],
  condition: ['condition'],
  action: ['action'],
};

const REQUIRED: Partial<Record<StepType, { field: TypedField; message: string }>> = {
  question: {
    field: 'variable',
    message: 'A question step needs the variable to save the answer in.',
  },
  lead: { field: 'form', message: 'A lead step needs the form its lead is for.' },
  delay: { field: 'delay_seconds', message: 'A delay step needs delay_seconds.' },
  condition: { field: 'condition', message: 'A condition step needs a condition.' },
  action: { field: 'action', message: 'An action step needs an action.' },
};

const EMPTY_STEP: Omit<StepData, 'flow_id' | 'type'> = {
  name: '',
  payload: { text: '' },
  next_step_id: null,
  variable: null,
  validate: null,
  error_text: null,
  form: null,
  delay_seconds: null,
  condition: null,
  action: null,
  ui: null,
};

/** The object without its undefined entries, so that spreading it keeps earlier values. */
const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The step a create (`current` undefined) or a PATCH would store, and the type rules it
 * breaks; references are the store's to check. A field the type does not use is refused
 * when sent, and dropped when it is left over from before a change of type.
 */
export function resolveStep(
  current: StepData | undefined,
  input: StepPatch,
): { step: StepData; errors: FieldErrors } {
  const { shop_id: _shop, ...changes } = input;
  const step = { ...EMPTY_STEP, ...current, ...defined(changes) } as StepData;
  const errors: FieldErrors = {};
  for (const field of Object.keys(USED_BY) as TypedField[]) {
    if (USED_BY[field].includes(step.type)) continue;
    if (changes[field] != null) errors[field] = [`A ${step.type} step does not use ${field}.`];
    step[field] = null;
  }
  const required = REQUIRED[step.type];
  if (required && step[required.field] == null) errors[required.field] = [required.message];
  if (step.type === 'question') step.validate ??= 'text';
  // Messengers refuse an empty message.
  const sends = step.type === 'message' || step.type === 'question';
  if (sends && !step.payload.text.trim() && !step.payload.image_url) {
    errors['payload.text'] = [`A ${step.type} step needs a text or an image.`];
  }
  return { step, errors };
}

export type MenuItemData = Pick<MenuItem, 'step_id' | 'title' | 'next_step_id' | 'url'> & {
  position: number | undefined;
};

/**
 * The menu item a create or PATCH would store. A button either leads to a step or opens a
 * URL: setting one of the two in a PATCH clears the other.
 */
export function resolveMenuItem(
  current: MenuItemData | undefined,
  input: MenuItemPatch,
): { item: MenuItemData; errors: FieldErrors } {
  const { shop_id: _shop, ...changes } = input;
  const item = {
    next_step_id: null,
    url: null,
    position: undefined,
    ...current,
    ...defined(changes),
  } as MenuItemData;
  if (current && changes.url != null && changes.next_step_id === undefined)
    item.next_step_id = null;
  if (current && changes.next_step_id != null && changes.url === undefined) item.url = null;

  const errors: FieldErrors = {};
  if ((item.next_step_id === null) === (item.url === null)) {
    const message =
      item.url === null
        ? 'Give either next_step_id or url.'
        : 'Give either next_step_id or url, not both.';
    errors.next_step_id = [message];
    errors.url = [message];
  }
  return { item, errors };
}
