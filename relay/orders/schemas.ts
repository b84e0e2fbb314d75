import { z } from '@hono/zod-openapi';
import { WhatsAppTemplate } from '../channels/whatsapp/settings.js';
import { ShopId } from '../auth/principal.js';

/** A short slug the shop's backend chooses: `new`, `paid`, `shipped`, `delivered`, … */
export const OrderStatus = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,31}$/,
    'Use 1–32 lowercase letters, digits or "_", starting with a letter.',
  )
  .openapi({ example: 'shipped' });

/** ISO 4217 alphabetic code. https://www.iso.org/iso-4217-currency-codes.html */
export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'Enter an ISO 4217 currency code such as USD.')
  .openapi({ example: 'USD' });

/** Store backends often send ids and numbers as JSON numbers; we keep them as text. */
const text = (max: number, min = 0) =>
  z.preprocess(
    (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v),
    z.string().trim().min(min).max(max),
  );
/** `null` from a backend means "not known": the same as an empty string. */
const optionalText = (max: number) => z.preprocess((v) => (v === null ? '' : v), text(max));

const Email = z.email();

export const Customer = z
  .object({ name: z.string(), phone: z.string(), email: z.string() })
  .openapi('Customer');
export type Customer = z.infer<typeof Customer>;

/** Each key given replaces that key; absent keys keep their value. */
export const CustomerInput = z
  .object({
    name: optionalText(200).optional(),
    /** Normalised to E.164 when it parses (shop's `settings.default_country`), else kept. */
    phone: optionalText(50).optional(),
    email: optionalText(254)
      .refine((v) => v === '' || Email.safeParse(v).success, 'Enter a valid email.')
      .optional(),
  })
  .openapi('CustomerInput');
export type CustomerInput = z.infer<typeof CustomerInput>;

export const OrderItem = z
  .object({
    sku: z.string(),
    name: z.string(),
    qty: z.number().int(),
    price: z.number(),
  })
  .openapi('OrderItem');
export type OrderItem = z.infer<typeof OrderItem>;

export const OrderItemInput = z
  .object({
    sku: optionalText(100).default(''),
    name: text(300, 1),
    qty: z.number().int().positive().max(1_000_000),
    price: z.number().min(0).max(1e12),
  })
  .openapi('OrderItemInput');

export const Order = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    external_id: z.string().nullable(),
    number: z.string(),
    /** 22 unguessable characters, fixed at creation (relay/orders/store.ts). */
    optin_ref: z.string().openapi({
      description:
        'Unguessable reference for the buyer’s order page: `<tp-subscribe order-ref="…">`. The public opt-in accepts only this value as `order_ref`.',
      example: 'Yq3xv0rM5b2kQ9tWc7LpAg',
    }),
    status: z.string(),
    customer: Customer,
    items: z.array(OrderItem),
    total: z.number(),
    currency: z.string(),
    /** Every status the order has had, oldest first, the current one last. */
    status_history: z.array(z.object({ status: z.string(), at: z.string() })),
    /** Bot users subscribed to this order's updates. */
    subscribers_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Order');
export type Order = z.infer<typeof Order>;

const writable = {
  shop_id: ShopId.optional(),
  external_id: text(100, 1).nullable().optional(),
  number: text(50, 1),
  status: OrderStatus.optional(),
  customer: CustomerInput.optional(),
  /** Replaces the whole list. */
  items: z.array(OrderItemInput).max(500).optional(),
  /** Defaults to Σ qty × price when items are given without a total. */
  total: z.number().min(0).max(1e15).optional(),
  currency: Currency.optional(),
};

/**
 * POST body. With an `external_id` the shop already has, the call updates that order
 * (fields left out keep their values), so a backend may repeat it safely.
 */
export const OrderInput = z.object(writable).openapi('OrderInput');
export type OrderInput = z.infer<typeof OrderInput>;

export const OrderPatch = z
  .object({ ...writable, number: writable.number.optional() })
  .openapi('OrderPatch');
export type OrderPatch = z.infer<typeof OrderPatch>;

export const OrderFilter = z.object({
  status: OrderStatus.optional(),
  external_id: z.string().max(100).optional(),
  /** Part of the number, or of the customer's name, phone or email. */
  search: z.string().trim().max(200).optional(),
});
export type OrderFilter = z.infer<typeof OrderFilter>;

/** A status (`shipped`) or `*`, the text for every status without its own. */
const TemplateKey = z
  .string()
  .regex(/^(\*|[a-z][a-z0-9_]{0,31})$/, 'Use an order status (lowercase) or "*".');
export const TemplateText = z.string().trim().min(1).max(4000);

/**
 * A status's message with the approved WhatsApp template that carries it to a buyer outside
 * WhatsApp's 24-hour window (relay/orders/notify.ts).
 */
export const OrderTemplateWithWhatsApp = z
  .object({ text: TemplateText.optional(), whatsapp_template: WhatsAppTemplate.optional() })
  .strict()
  .openapi('OrderTemplateWithWhatsApp');

/**
 * What a buyer hears per order status, as the shop writes it: `settings.order_templates`
 * (relay/orders/notify.ts reads it there). Checked wherever it is written — here and in the
 * shop's own PATCH.
 */
export const OrderTemplates = z
  .record(TemplateKey, z.union([TemplateText, OrderTemplateWithWhatsApp]))
  .refine((t) => Object.keys(t).length <= 50, 'Write at most 50 templates.')
  .openapi('OrderTemplateTexts', {
    example: { shipped: 'Your order {order.number} is on its way!' },
  });
