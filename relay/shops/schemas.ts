import { z } from '@hono/zod-openapi';
import { expandIssue } from '../http/errors.js';
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

const ShopFields = z.object({
  name: z.string().trim().min(1).max(200),
  /** Free-form shop settings (texts, theme, templates); later features document their keys. */
  settings: z.record(z.string(), z.unknown()).optional().openapi({
    description:
      'Merged key by key. `captcha`: `{provider: turnstile|hcaptcha, secret, verify_url?}`; the secret is write-only (stored encrypted); a `captcha` without `secret` keeps the stored one, `secret: null` removes it. `order_templates`: per order status (or `*`), the buyer’s message text with {order.number}, {order.status}, {order.total}, {order.currency}, or `{text?, whatsapp_template?: WhatsAppTemplate}` for WhatsApp buyers outside the 24-hour window (see /api/store/order_templates/).',
  }),
});

/**
 * `settings.order_templates`, checked like PUT /api/store/order_templates/ checks them, so that
 * a wrong template is a 400 now rather than a dead delivery later; each issue keyed by its
 * own field (`settings.order_templates.shipped.whatsapp_template.name`).
 */
const checkTemplates = (shop: { settings?: Record<string, unknown> }, ctx: z.RefinementCtx) => {
  const templates = shop.settings?.order_templates;
  if (templates === undefined || templates === null) return;
  const parsed = OrderTemplates.safeParse(templates);
  if (!parsed.success)
    for (const issue of parsed.error.issues.flatMap(expandIssue))
      ctx.addIssue({
        code: 'custom',
        message: issue.message,
        path: ['settings', 'order_templates', ...issue.path],
      });
};

export const ShopInput = ShopFields.superRefine(checkTemplates).openapi('ShopInput');
export type ShopInput = z.infer<typeof ShopInput>;

export const ShopPatch = ShopFields.partial().superRefine(checkTemplates).openapi('ShopPatch');
export type ShopPatch = z.infer<typeof ShopPatch>;
