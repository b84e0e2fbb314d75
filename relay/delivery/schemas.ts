import { z } from '@hono/zod-openapi';
import { DELIVERY_STATUSES } from './types.js';

export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES);

export const DeliverySchema = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    event: z.string(),
    /** The adapter that sends it: `telegram`, `sandbox`, `webhook`, … */
    kind: z.string(),
    channel_id: z.number().int().nullable(),
    endpoint_id: z.number().int().nullable(),
    bot_id: z.number().int().nullable(),
    bot_user_id: z.number().int().nullable(),
    chat_id: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    status: DeliveryStatusSchema,
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    next_attempt_at: z.string(),
    last_error: z.string().nullable(),
    /** The messenger's id for the sent message, when it gives one. */
    remote_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Delivery');

export const DeliveryAttemptSchema = z
  .object({
    started_at: z.string(),
    duration_ms: z.number().int(),
    /** `sent`, `transient_error` (retried) or `permanent_error`. */
    outcome: z.string(),
    error: z.string().nullable(),
    remote_id: z.string().nullable(),
  })
  .openapi('DeliveryAttempt');

export const DeliveryDetail = DeliverySchema.extend({
  /** Every attempt, oldest first. */
  attempt_log: z.array(DeliveryAttemptSchema),
}).openapi('DeliveryDetail');

export const DeliveryFilterQuery = z.object({
  status: DeliveryStatusSchema.optional(),
  bot_user_id: z.coerce.number().int().positive().optional(),
  event: z.string().trim().min(1).max(100).optional(),
});
