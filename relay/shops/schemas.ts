import { z } from '@hono/zod-openapi';
import { OrderTemplates } from '../orders/schemas.js';

export const Shop = z
  .object({
    id: z.number().int(),
    name: z.string(),
    settings: z.record(z.string(), z.unknown()).openapi({
      description:
        'Free-form settings. `captcha` reads `{provider, verify_url?, has_secret}`: its secret is never returned.',
    }),
    demo: z.boolean().openapi({
      description:
        'Read-only. True for the demo shop the relay seeds in demo mode: only it may have sandbox bots.',
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Shop');
export type Shop = z.infer<typeof Shop>;

export const ShopInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** Free-form shop settings (texts, theme, templates); later features document their keys. */
    settings: z
      .record(z.string(), z.unknown())
      .superRefine((settings, ctx) => {
        // Texts buyers receive: checked like PUT /api/store/order_templates/ checks them.
        if (settings.order_templates === undefined || settings.order_templates === null) return;
        const parsed = OrderTemplates.safeParse(settings.order_templates);
        if (!parsed.success)
          for (const issue of parsed.error.issues)
            ctx.addIssue({
              code: 'custom',
              path: ['order_templates', ...issue.path.map(String)],
              message: issue.message,
            });
      })
      .optional()
      .openapi({
        description:
          'Merged key by key. `captcha`: `{provider: turnstile|hcaptcha, secret, verify_url?}`; the secret is write-only (stored encrypted); a `captcha` without `secret` keeps the stored one, `secret: null` removes it. `order_templates`: `{<status>|"*": text}`, what buyers subscribed to an order hear (see /api/store/order_templates/).',
      }),
  })
  .openapi('ShopInput');
export type ShopInput = z.infer<typeof ShopInput>;

export const ShopPatch = ShopInput.partial().openapi('ShopPatch');
export type ShopPatch = z.infer<typeof ShopPatch>;
