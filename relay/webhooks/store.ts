import { randomBytes } from 'node:crypto';
import { fromJson, now, type Db } from '../db/open.js';
import type { PageQuery } from '../http/pagination.js';
import type { WebhookEndpoint, WebhookEndpointWithSecret } from './schemas.js';

/** After a rotation deliveries carry both signatures this long, so receivers can switch over. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60_000;
/** An endpoint whose deliveries have failed without a success for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 60 * 60_000;

/**
 * `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format (24–64 bytes).
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

type Row = {
  id: number;
  shop_id: number;
  url: string;
  events: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: string | null;
  enabled: number;
  disabled_reason: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
};
/** Field by field: `secret` and `previous_secret` never reach a response through here. */
const toEndpoint = (r: Row): WebhookEndpoint => ({
  id: r.id,
  shop_id: r.shop_id,
  url: r.url,
  events: fromJson(r.events, []),
  enabled: r.enabled === 1,
  disabled_reason: r.disabled_reason,
  failing_since: r.failing_since,
  previous_secret_until: r.previous_secret_until,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** What the webhook adapter needs to send one delivery. Internal: it carries the secrets. */
export type EndpointForSend = {
  id: number;
  url: string;
  enabled: boolean;
  failing_since: string | null;
  /** The current secret first, then the previous one while the rotation overlap lasts. */
  secrets: string[];
};

/**
 * A shop's outbound webhook endpoints. Signing secrets are encrypted with the operator's key
 * (`db.secrets`, relay/secrets) rather than hashed like API keys and tokens
 * (relay/auth/secrets.ts), because the relay must compute an HMAC with them for every
 * delivery: a hash cannot sign. They are shown once, at creation or rotation, and no API
 * response ever includes them again.
 */
export function createWebhookStore(db: Db) {
  const q = {
    insert: db.prepare<{ shop_id: number; url: string; events: string; secret: string }, Row>(
      `INSERT INTO webhook_endpoints (shop_id, url, events, secret)
       VALUES (@shop_id, @url, @events, @secret) RETURNING *`,
    ),
    get: db.prepare<[number], Row>(`SELECT * FROM webhook_endpoints WHERE id = ?`),
    list: db.prepare<{ shop_id: number; limit: number; offset: number }, Row>(
      `SELECT * FROM webhook_endpoints WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<[number], { n: number }>(
      `SELECT count(*) AS n FROM webhook_endpoints WHERE shop_id = ?`,
    ),
    update: db.prepare<Record<string, unknown>, Row>(
      `UPDATE webhook_endpoints SET url = @url, events = @events, enabled = @enabled,
         disabled_reason = @disabled_reason, failing_since = @failing_since, updated_at = @now
       WHERE id = @id RETURNING *`,
    ),
    rotate: db.prepare<{ id: number; secret: string; until: string; now: string }, Row>(
      `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = @until,
         secret = @secret, updated_at = @now
       WHERE id = @id RETURNING *`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM webhook_endpoints WHERE id = ?`),
    succeeded: db.prepare<[number]>(
      `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`,
    ),
    failed: db.prepare<{ id: number; now: string }, { failing_since: string; enabled: number }>(
      `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, @now)
       WHERE id = @id RETURNING failing_since, enabled`,
    ),
    disable: db.prepare<{ id: number; reason: string; now: string }>(
      `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = @reason, updated_at = @now
       WHERE id = @id AND enabled = 1`,
    ),
  };

  const updateTx = db.transaction(
    (id: number, patch: { url?: string; events?: string[]; enabled?: boolean }) => {
      const current = q.get.get(id);
      if (!current) return undefined;
      const reenable = patch.enabled === true && current.enabled === 0;
      const enabled = patch.enabled ?? current.enabled === 1;
      return q.update.get({
        id,
        url: patch.url ?? current.url,
        events: patch.events ? JSON.stringify(patch.events) : current.events,
        enabled: enabled ? 1 : 0,
        // Re-enabling starts afresh: the old failures no longer count toward disabling.
        disabled_reason: enabled ? null : current.disabled_reason,
        failing_since: reenable ? null : current.failing_since,
        now: now(),
      });
    },
  );

  const failedTx = db.transaction((id: number, at: number, reason: string): boolean => {
    const row = q.failed.get({ id, now: new Date(at).toISOString() });
    if (!row || row.enabled !== 1 || Date.parse(row.failing_since) > at - DISABLE_AFTER_MS)
      return false;
    return q.disable.run({ id, reason, now: new Date(at).toISOString() }).changes === 1;
  });

  return {
    async create(input: {
      shop_id: number;
      url: string;
      events: string[];
    }): Promise<WebhookEndpointWithSecret> {
      const secret = newSigningSecret();
      const row = q.insert.get({
        shop_id: input.shop_id,
        url: input.url,
        events: JSON.stringify(input.events),
        secret: db.secrets.seal(secret),
      })!;
      return { ...toEndpoint(row), secret };
    },

    async get(id: number): Promise<WebhookEndpoint | undefined> {
      const row = q.get.get(id);
      return row && toEndpoint(row);
    },

    async list(
      shopId: number,
      page: PageQuery,
    ): Promise<{ count: number; rows: WebhookEndpoint[] }> {
      return {
        count: q.count.get(shopId)!.n,
        rows: q.list.all({ shop_id: shopId, ...page }).map(toEndpoint),
      };
    },

    async update(
      id: number,
      patch: { url?: string; events?: string[]; enabled?: boolean },
    ): Promise<WebhookEndpoint | undefined> {
      const row = updateTx.immediate(id, patch);
      return row && toEndpoint(row);
    },

    /**
     * A new secret, returned once. The replaced one keeps signing for ROTATION_OVERLAP_MS;
     * a second rotation within that time drops the oldest.
     */
    async rotateSecret(id: number): Promise<WebhookEndpointWithSecret | undefined> {
      const secret = newSigningSecret();
      const at = Date.now();
      const row = q.rotate.get({
        id,
        secret: db.secrets.seal(secret),
        until: new Date(at + ROTATION_OVERLAP_MS).toISOString(),
        now: new Date(at).toISOString(),
      });
      return row && { ...toEndpoint(row), secret };
    },

    async delete(id: number): Promise<boolean> {
      return q.delete.run(id).changes > 0;
    },

    /** The endpoint with its signing secrets, for the webhook adapter only. */
    async forSend(id: number, at = Date.now()): Promise<EndpointForSend | undefined> {
      const r = q.get.get(id);
      if (!r) return undefined;
      const secrets = [db.secrets.open(r.secret)];
      if (r.previous_secret && r.previous_secret_until && Date.parse(r.previous_secret_until) > at)
        secrets.push(db.secrets.open(r.previous_secret));
      return {
        id: r.id,
        url: r.url,
        enabled: r.enabled === 1,
        failing_since: r.failing_since,
        secrets,
      };
    },

    /** A delivery succeeded: the endpoint is healthy again. */
    async recordSuccess(id: number): Promise<void> {
      q.succeeded.run(id);
    },

    /**
     * A delivery failed. Starts the failure run if none is open, and disables the endpoint
     * when the run has lasted DISABLE_AFTER_MS. Returns true when this call disabled it.
     */
    async recordFailure(id: number, at = Date.now()): Promise<boolean> {
      return failedTx.immediate(id, at, 'Deliveries failed for 5 days without a success.');
    },

    /** Turns the endpoint off at once (the receiver answered 410 Gone). */
    async disable(id: number, reason: string): Promise<boolean> {
      return q.disable.run({ id, reason, now: now() }).changes === 1;
    },
  };
}
export type WebhookStore = ReturnType<typeof createWebhookStore>;
