import { z } from '@hono/zod-openapi';
import { WhatsAppTemplate } from '../channels/whatsapp/settings.js';

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

/**
 * `settings.order_templates`: per order status (or `*`), the buyer's message as text, or
 * `{text?, whatsapp_template?}` with the approved template WhatsApp needs outside its 24-hour
 * window. Checked when saved, so that a wrong template is a 400 now rather than a dead
 * delivery later.
 */
const OrderTemplate = z
  .object({
    text: z.string().max(4000).optional(),
    whatsapp_template: WhatsAppTemplate.optional(),
  })
  .strict();

const ShopFields = z.object({
  name: z.string().trim().min(1).max(200),
  /** Free-form shop settings (texts, theme, templates); later features document their keys. */
  settings: z.record(z.string(), z.unknown()).optional().openapi({
    description:
      'Merged key by key. `captcha`: `{provider: turnstile|hcaptcha, secret, verify_url?}`; the secret is write-only (stored encrypted); a `captcha` without `secret` keeps the stored one, `secret: null` removes it. `order_templates`: per order status (or `*`), the buyer’s message text with {order.number}, {order.status}, {order.total}, {order.currency}, or `{text?, whatsapp_template?: WhatsAppTemplate}` for WhatsApp buyers outside the 24-hour window.',
  }),
});

const checkTemplates = (shop: { settings?: Record<string, unknown> }, ctx: z.RefinementCtx) => {
  const templates = shop.settings?.order_templates;
  if (templates === undefined || templates === null) return;
  const at = ['settings', 'order_templates'];
  if (typeof templates !== 'object' || Array.isArray(templates))
    return ctx.addIssue({ code: 'custom', path: at, message: 'Use an object keyed by status.' });
  for (const [status, value] of Object.entries(templates)) {
    if (typeof value === 'string') {
      if (value.length > 4000)
        ctx.addIssue({
          code: 'custom',
          path: [...at, status],
          message: 'At most 4000 characters.',
        });
      continue;
    }
    const parsed = OrderTemplate.safeParse(value);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        ctx.addIssue({
          code: 'custom',
          message: issue.message,
          path: [...at, status, ...issue.path],
        });
  }
};

export const ShopInput = ShopFields.superRefine(checkTemplates).openapi('ShopInput');
export type ShopInput = z.infer<typeof ShopInput>;

export const ShopPatch = ShopFields.partial().superRefine(checkTemplates).openapi('ShopPatch');
export type ShopPatch = z.infer<typeof ShopPatch>;
