import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';
import { EventList } from '../events/types.js';

/** An http(s) URL; whether its host may be reached is checked by the route (relay/http/outbound.ts). */
export const WebhookUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, error: 'Enter an http or https URL.' }))
  .openapi({ example: 'https://shop.example/hooks/touchpoint' });

export const WebhookEndpoint = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    url: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    /** Why the relay disabled it (failing for 5 days, 410 Gone); null when enabled. */
    disabled_reason: z.string().nullable(),
    /** Start of the current run of failed deliveries; null after a success. */
    failing_since: z.string().nullable(),
    /** Until then deliveries are signed with the previous secret too (after a rotation). */
    previous_secret_until: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebhookEndpoint');
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().openapi({
    description: 'The signing secret (`whsec_…`). Shown only in this response.',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  }),
}).openapi('WebhookEndpointWithSecret');
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecret>;

export const WebhookEndpointInput = z
  .object({ shop_id: ShopId.optional(), url: WebhookUrl, events: EventList })
  .openapi('WebhookEndpointInput');
export type WebhookEndpointInput = z.infer<typeof WebhookEndpointInput>;

/** `enabled: true` re-enables a disabled endpoint and forgets its failures. */
export const WebhookEndpointPatch = z
  .object({
    shop_id: ShopId.optional(),
    url: WebhookUrl.optional(),
    events: EventList.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi('WebhookEndpointPatch');
export type WebhookEndpointPatch = z.infer<typeof WebhookEndpointPatch>;
