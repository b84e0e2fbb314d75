import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';

/** An id in a body that refers to another object (checked against the shop by the store). */
const Ref = z.number().int().positive();

/** Names of user variables: safe in templates and in every messenger's payloads. */
export const Identifier = z
  .string()
  .regex(
    /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/,
    'Use up to 64 letters, digits and underscores, not starting with a digit.',
  );

const urlWith = (schemes: string[], message: string) =>
  z
    .string()
    .trim()
    .max(2048)
    .refine((v) => {
      try {
        return schemes.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, message);
const HttpUrl = urlWith(['http:', 'https:'], 'Enter an http:// or https:// URL.');
/** Buttons may also open a Telegram link such as tg://resolve?domain=shop_bot. */
export const ButtonUrl = urlWith(
  ['http:', 'https:', 'tg:'],
  'Enter an http://, https:// or tg:// URL.',
);

const Timestamps = { created_at: z.string(), updated_at: z.string() };

/**
 * A PATCH's precondition: the `updated_at` the client last read. When the object changed
 * since (someone else saved it), the update is refused with 409 and the current object, so
 * no save silently overwrites another (relay/scenario/versions.ts).
 */
const IfUpdatedAt = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'Send the updated_at you last read, as it was.')
  .optional()
  .openapi({
    description:
      'The `updated_at` you last read. When the object changed since, the update is refused with 409 and `current` (the object as it is now).',
    example: '2025-01-31T12:00:00.000Z',
  });
export const Precondition = { updated_at: IfUpdatedAt };

// Flows

export const Flow = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    bot_id: z.number().int(),
    name: z.string(),
    first_step_id: z.number().int().nullable(),
    ...Timestamps,
  })
  .openapi('Flow');
export type Flow = z.infer<typeof Flow>;

export const FlowInput = z
  .object({
    shop_id: ShopId.optional(),
    bot_id: Ref,
    name: z.string().trim().min(1).max(200),
    /** A step of this flow; so it can only be set once the flow has steps. */
    first_step_id: Ref.nullable().optional(),
  })
  .openapi('FlowInput');
export type FlowInput = z.infer<typeof FlowInput>;

export const FlowPatch = FlowInput.partial().extend(Precondition).openapi('FlowPatch');
export type FlowPatch = z.infer<typeof FlowPatch>;

// Steps

export const StepType = z.enum(['message', 'question', 'lead', 'delay', 'condition', 'action']);
export type StepType = z.infer<typeof StepType>;
export const Validate = z.enum(['text', 'number', 'phone', 'email']);

export const Payload = z.object({
  /** Telegram's limit for one message. https://core.telegram.org/bots/api#sendmessage */
  text: z.string().max(4096).default(''),
  image_url: HttpUrl.optional(),
});
export type Payload = z.infer<typeof Payload>;

export const Condition = z.object({
  variable: Identifier,
  equals: z.string().max(1024),
  then_step_id: Ref.nullable().default(null),
  else_step_id: Ref.nullable().default(null),
});
export type Condition = z.infer<typeof Condition>;

export const Action = z
  .object({
    set_var: z
      .object({ name: Identifier, value: z.string().max(4096) })
      .nullable()
      .default(null),
    add_tag_id: Ref.nullable().default(null),
    remove_tag_id: Ref.nullable().default(null),
  })
  .refine((a) => a.set_var || a.add_tag_id || a.remove_tag_id, {
    message: 'Give at least one operation: set_var, add_tag_id or remove_tag_id.',
  });
export type Action = z.infer<typeof Action>;

/**
 * Where the console's scenario editor draws the step: its card's top-left corner on the
 * canvas, in canvas pixels. The runtime ignores it.
 */
export const StepUi = z
  .object({
    x: z.number().int().min(-1_000_000).max(1_000_000),
    y: z.number().int().min(-1_000_000).max(1_000_000),
  })
  .openapi({ example: { x: 240, y: 120 } });
export type StepUi = z.infer<typeof StepUi>;

/** One day in seconds; a delay step waits at least a second and at most 30 days. */
const DAY = 86_400;

/** A delay step's pause. */
export const DelaySeconds = z
  .number()
  .int()
  .min(1)
  .max(30 * DAY);

/** A button's label: short enough for one button in every messenger. */
export const ButtonTitle = z.string().trim().min(1).max(64);

/** What a step stores, beyond its id, shop and timestamps. */
const stepFields = {
  flow_id: Ref,
  type: StepType,
  name: z.string().trim().max(200),
  payload: Payload,
  next_step_id: Ref.nullable(),
  /** question: the user variable the answer is saved into. */
  variable: Identifier.nullable(),
  validate: Validate.nullable(),
  error_text: z.string().max(4096).nullable(),
  /** lead: the form whose fields are filled from the user's variables. */
  form: Ref.nullable(),
  delay_seconds: DelaySeconds.nullable(),
  condition: Condition.nullable(),
  action: Action.nullable(),
  ui: StepUi.nullable(),
};

export const MenuItem = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    step_id: z.number().int(),
    title: z.string(),
    next_step_id: z.number().int().nullable(),
    url: z.string().nullable(),
    position: z.number().int(),
    ...Timestamps,
  })
  .openapi('MenuItem');
export type MenuItem = z.infer<typeof MenuItem>;

export const Step = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    ...stepFields,
    menu_items: z.array(MenuItem),
    ...Timestamps,
  })
  .openapi('Step');
export type Step = z.infer<typeof Step>;
/** A step's own data, as the store writes it. */
export type StepData = Omit<Step, 'id' | 'shop_id' | 'menu_items' | 'created_at' | 'updated_at'>;

export const StepInput = z
  .object({
    shop_id: ShopId.optional(),
    flow_id: stepFields.flow_id,
    type: stepFields.type,
    ...z.object(stepFields).omit({ flow_id: true, type: true }).partial().shape,
  })
  .openapi('StepInput');
export type StepInput = z.infer<typeof StepInput>;

/** Absent fields keep their value, `null` clears one; `payload`, `condition`, `action` are replaced whole. */
export const StepPatch = StepInput.partial().extend(Precondition).openapi('StepPatch');
export type StepPatch = z.infer<typeof StepPatch>;

// Menu items

export const MenuItemInput = z
  .object({
    shop_id: ShopId.optional(),
    step_id: Ref,
    title: ButtonTitle,
    next_step_id: Ref.nullable().optional(),
    url: ButtonUrl.nullable().optional(),
    /** Where the button goes among the step's buttons; by default after the last one. */
    position: z.number().int().min(0).max(10_000).optional(),
  })
  .openapi('MenuItemInput');
export type MenuItemInput = z.infer<typeof MenuItemInput>;

export const MenuItemPatch = MenuItemInput.partial().extend(Precondition).openapi('MenuItemPatch');
export type MenuItemPatch = z.infer<typeof MenuItemPatch>;

/** A list filter such as `?flow_id=3`. */
export const idFilter = (name: string) =>
  z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ param: { name, in: 'query' }, example: 1 });

/** Objects as the API returns them, for the OpenAPI document's examples. */
const AT = '2025-01-31T12:00:00.000Z';
export const EXAMPLES = {
  flow: {
    id: 1,
    shop_id: 1,
    bot_id: 3,
    name: 'Request a call back',
    first_step_id: 10,
    created_at: AT,
    updated_at: AT,
  } satisfies Flow,
  step: {
    id: 11,
    shop_id: 1,
    flow_id: 1,
    type: 'question',
    name: 'Phone',
    payload: { text: 'Your phone number?' },
    next_step_id: 12,
    variable: 'phone',
    validate: 'phone',
    error_text: 'Please send a phone number, e.g. +44 20 7946 0958.',
    form: null,
    delay_seconds: null,
    condition: null,
    action: null,
    ui: { x: 320, y: 40 },
    menu_items: [],
    created_at: AT,
    updated_at: AT,
  } satisfies Step,
  menuItem: {
    id: 5,
    shop_id: 1,
    step_id: 10,
    title: 'Call me back',
    next_step_id: 11,
    url: null,
    position: 0,
    created_at: AT,
    updated_at: AT,
  } satisfies MenuItem,
};
