import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';

export const KeyKind = z.enum(['secret', 'publishable']);
export type KeyKind = z.infer<typeof KeyKind>;

/** An origin as browsers send it: scheme, host and optional port, no path. */
export const Origin = z
  .string()
  .trim()
  .max(300)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (
        (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v.replace(/\/$/, '')
      );
    } catch {
      return false;
    }
  }, 'Enter an origin such as https://shop.example (scheme and host, no path).')
  .transform((v) => new URL(v).origin);

export const ShopKey = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    kind: KeyKind,
    name: z.string(),
    /** The first and last characters, to tell keys apart; the full key is never shown again. */
    hint: z.string(),
    allowed_origins: z.array(z.string()),
    created_at: z.string(),
  })
  .openapi('ShopKey');
export type ShopKey = z.infer<typeof ShopKey>;

export const CreatedShopKey = ShopKey.extend({
  key: z.string().openapi({ description: 'The key itself. Shown only in this response.' }),
}).openapi('CreatedShopKey');

export const ShopKeyInput = z
  .object({
    shop_id: ShopId.optional(),
    kind: KeyKind,
    name: z.string().trim().max(100).default(''),
    allowed_origins: z.array(Origin).max(50).default([]),
  })
  .refine((k) => k.kind === 'publishable' || k.allowed_origins.length === 0, {
    path: ['allowed_origins'],
    message: 'Only publishable keys have allowed origins.',
  })
  .openapi('ShopKeyInput');
export type ShopKeyInput = z.infer<typeof ShopKeyInput>;
