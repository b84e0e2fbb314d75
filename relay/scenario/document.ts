import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';
import {
  ButtonTitle,
  ButtonUrl,
  DelaySeconds,
  Identifier,
  Payload,
  StepType,
  StepUi,
  Validate,
} from './schemas.js';

/**
 * A flow as a portable JSON document (export and import): steps are named by keys local to
 * the document instead of ids, forms and tags by their names, so the same document imports
 * into any bot of any shop. Importing checks every reference against the shop it goes to.
 */

export const FLOW_FORMAT = 'touchpoint.flow';

/** A step's key in the document: `s1`, `greeting`… */
const Key = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'Use up to 64 letters, digits, _ and -.')
  .openapi({ example: 's2' });
/** Where a step or button leads: another step's key, or null. */
const StepRef = Key.nullable().default(null);
/** A form or tag of the importing shop: by name (as exported), or by its id in that shop. */
const NamedRef = z
  .union([z.string().trim().min(1).max(200), z.number().int().positive()])
  .nullable()
  .default(null);

export const DocumentButton = z.object({
  title: ButtonTitle,
  next_step: StepRef,
  url: ButtonUrl.nullable().default(null),
});
export type DocumentButton = z.infer<typeof DocumentButton>;

export const DocumentStep = z.object({
  key: Key,
  type: StepType,
  name: z.string().trim().max(200).default(''),
  payload: Payload.default({ text: '' }),
  next_step: StepRef,
  variable: Identifier.nullable().default(null),
  validate: Validate.nullable().default(null),
  error_text: z.string().max(4096).nullable().default(null),
  form: NamedRef.openapi({ example: 'callback' }),
  delay_seconds: DelaySeconds.nullable().default(null),
  condition: z
    .object({
      variable: Identifier,
      equals: z.string().max(1024),
      then_step: StepRef,
      else_step: StepRef,
    })
    .nullable()
    .default(null),
  action: z
    .object({
      set_var: z
        .object({ name: Identifier, value: z.string().max(4096) })
        .nullable()
        .default(null),
      add_tag: NamedRef,
      remove_tag: NamedRef,
    })
    .refine((a) => a.set_var || a.add_tag !== null || a.remove_tag !== null, {
      message: 'Give at least one operation: set_var, add_tag or remove_tag.',
    })
    .nullable()
    .default(null),
  ui: StepUi.nullable().default(null),
  buttons: z.array(DocumentButton).max(100).default([]),
});
export type DocumentStep = z.infer<typeof DocumentStep>;

/** At most this many steps in one document (the API's body limit is 256 KiB anyway). */
export const MAX_DOCUMENT_STEPS = 500;

export const FlowDocument = z
  .object({
    format: z.literal(FLOW_FORMAT),
    version: z.literal(1),
    name: z.string().trim().min(1).max(200),
    first_step: StepRef,
    steps: z.array(DocumentStep).max(MAX_DOCUMENT_STEPS),
  })
  .openapi('FlowDocument', {
    example: {
      format: FLOW_FORMAT,
      version: 1,
      name: 'Request a call back',
      first_step: 's1',
      steps: [
        {
          key: 's1',
          type: 'message',
          name: 'Greeting',
          payload: { text: 'Hi {{name}}! How can we help?' },
          next_step: null,
          variable: null,
          validate: null,
          error_text: null,
          form: null,
          delay_seconds: null,
          condition: null,
          action: null,
          ui: { x: 0, y: 0 },
          buttons: [
            { title: 'Call me back', next_step: 's2', url: null },
            { title: 'Our prices', next_step: null, url: 'https://shop.example/prices' },
          ],
        },
        {
          key: 's2',
          type: 'question',
          name: 'Phone',
          payload: { text: 'Your phone number?' },
          next_step: 's3',
          variable: 'phone',
          validate: 'phone',
          error_text: 'Please send a phone number.',
          form: null,
          delay_seconds: null,
          condition: null,
          action: null,
          ui: { x: 320, y: 0 },
          buttons: [],
        },
        {
          key: 's3',
          type: 'lead',
          name: 'Lead',
          payload: { text: 'Thanks! We will call you soon.' },
          next_step: null,
          variable: null,
          validate: null,
          error_text: null,
          form: 'callback',
          delay_seconds: null,
          condition: null,
          action: null,
          ui: { x: 640, y: 0 },
          buttons: [],
        },
      ],
    },
  });
export type FlowDocument = z.infer<typeof FlowDocument>;

export const FlowImport = z
  .object({
    shop_id: ShopId.optional(),
    /** The bot the new flow is for. */
    bot_id: z.number().int().positive(),
    /** The new flow's name; the document's by default. */
    name: z.string().trim().min(1).max(200).optional(),
    flow: FlowDocument,
  })
  .openapi('FlowImport');
export type FlowImport = z.infer<typeof FlowImport>;
