import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';

export const Tag = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    name: z.string(),
    created_at: z.string(),
  })
  .openapi('Tag');
export type Tag = z.infer<typeof Tag>;

export const TagInput = z
  .object({
    shop_id: ShopId.optional(),
    name: z.string().trim().min(1).max(100).openapi({ example: 'vip' }),
  })
  .openapi('TagInput');
export type TagInput = z.infer<typeof TagInput>;

export const TagPatch = TagInput.partial().openapi('TagPatch');
export type TagPatch = z.infer<typeof TagPatch>;
