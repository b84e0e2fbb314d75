import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';

export const CustomFieldType = z.enum(['text', 'number', 'boolean', 'date']);
export type CustomFieldType = z.infer<typeof CustomFieldType>;

/**
 * A user variable's name: an identifier, so that it can stand in templates and conditions
 * (`{{city}}`) and as a key of a bot user's `store.user_vars`.
 */
export const VARIABLE_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
export const VARIABLE_NAME_RULE =
  'Use letters, digits and underscores (at most 64), not starting with a digit.';
export const VariableName = z
  .string()
  .trim()
  .regex(VARIABLE_NAME_PATTERN, VARIABLE_NAME_RULE)
  .openapi({ example: 'city' });

export const CustomField = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    name: z.string(),
    type: CustomFieldType,
    description: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('CustomField');
export type CustomField = z.infer<typeof CustomField>;

export const CustomFieldInput = z
  .object({
    shop_id: ShopId.optional(),
    name: VariableName,
    type: CustomFieldType.default('text'),
    description: z.string().trim().max(500).default(''),
  })
  .openapi('CustomFieldInput');
export type CustomFieldInput = z.infer<typeof CustomFieldInput>;

export const CustomFieldPatch = z
  .object({
    shop_id: ShopId.optional(),
    name: VariableName.optional(),
    type: CustomFieldType.optional(),
    description: z.string().trim().max(500).optional(),
  })
  .openapi('CustomFieldPatch');
export type CustomFieldPatch = z.infer<typeof CustomFieldPatch>;
