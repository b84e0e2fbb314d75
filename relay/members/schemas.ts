import { z } from '@hono/zod-openapi';
import { Role, ShopId } from '../auth/principal.js';

export const Member = z
  .object({
    /** The membership's id (not the user's): `/api/shop/members/{id}/`. */
    id: z.number().int(),
    shop_id: z.number().int(),
    user_id: z.number().int(),
    email: z.string(),
    role: Role,
    created_at: z.string(),
  })
  .openapi('Member');
export type Member = z.infer<typeof Member>;

export const CreatedMember = Member.extend({
  password_set_url: z.string().optional().openapi({
    description:
      'Only when the email had no account (or one without a password yet): a one-time link where the new member chooses a password. Shown only here; valid for 7 days.',
    example: 'https://relay.example/console/#/set-password?token=…',
  }),
}).openapi('CreatedMember');

export const MemberInput = z
  .object({
    shop_id: ShopId.optional(),
    email: z.email().max(254),
    role: Role,
  })
  .openapi('MemberInput');
export type MemberInput = z.infer<typeof MemberInput>;

export const MemberPatch = z
  .object({ shop_id: ShopId.optional(), role: Role.optional() })
  .openapi('MemberPatch');
export type MemberPatch = z.infer<typeof MemberPatch>;
