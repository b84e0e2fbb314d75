/**
 * Numbered, append-only schema migrations. Entry N (0-based) takes a database from
 * `user_version` N to N+1. Never edit an entry that has been released; add a new one.
 *
 * Every table is STRICT; JSON documents are TEXT columns parsed at the store boundary;
 * timestamps are ISO 8601 UTC strings (`2026-01-31T12:00:00.000Z`).
 */
const at = `TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

const v1 = /* sql */ `
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  created_at    ${at}
) STRICT;

CREATE TABLE auth_tokens (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at ${at},
  expires_at TEXT
) STRICT;
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

CREATE TABLE shops (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  settings   TEXT NOT NULL DEFAULT '{}',
  created_at ${at},
  updated_at ${at}
) STRICT;

CREATE TABLE shop_members (
  shop_id INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role    TEXT NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'manager')),
  PRIMARY KEY (shop_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX shop_members_user ON shop_members (user_id, shop_id);

CREATE TABLE shop_keys (
  id              INTEGER PRIMARY KEY,
  shop_id         INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('secret', 'publishable')),
  name            TEXT NOT NULL DEFAULT '',
  key_hash        TEXT NOT NULL UNIQUE,
  key_hint        TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '[]',
  created_at      ${at}
) STRICT;
CREATE INDEX shop_keys_shop ON shop_keys (shop_id, id);

CREATE TABLE bots (
  id                  INTEGER PRIMARY KEY,
  shop_id             INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  bot_type            TEXT NOT NULL CHECK (bot_type IN ('telegram', 'whatsapp', 'viber', 'vk', 'web', 'sandbox')),
  name                TEXT NOT NULL,
  credential          TEXT,
  status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stopped', 'error')),
  status_detail       TEXT NOT NULL DEFAULT '',
  tg_bot_nickname     TEXT,
  webhook_secret_hash TEXT,
  -- Telegram long polling: the next getUpdates offset (last handled update_id + 1).
  tg_update_offset    INTEGER NOT NULL DEFAULT 0,
  welcome_flow_id     INTEGER REFERENCES flows (id) ON DELETE SET NULL,
  created_at          ${at},
  updated_at          ${at}
) STRICT;
CREATE INDEX bots_shop ON bots (shop_id, id);

CREATE TABLE bot_users (
  id                 INTEGER PRIMARY KEY,
  shop_id            INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  bot_id             INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  messenger_user_id  TEXT NOT NULL,
  chat_id            TEXT,
  name               TEXT NOT NULL DEFAULT '',
  state              TEXT NOT NULL DEFAULT '',
  lang_code          TEXT NOT NULL DEFAULT '',
  avatar_url         TEXT NOT NULL DEFAULT '',
  messenger_user_url TEXT NOT NULL DEFAULT '',
  phone              TEXT NOT NULL DEFAULT '',
  email              TEXT NOT NULL DEFAULT '',
  subscribed_to_bot  INTEGER NOT NULL DEFAULT 1,
  start_parameter    TEXT NOT NULL DEFAULT '',
  user_vars          TEXT NOT NULL DEFAULT '{}',
  visitor_id         TEXT,
  created_at         ${at},
  updated_at         ${at},
  UNIQUE (bot_id, messenger_user_id)
) STRICT;
CREATE INDEX bot_users_shop ON bot_users (shop_id, id);
CREATE INDEX bot_users_visitor ON bot_users (shop_id, visitor_id);

CREATE TABLE tags (
  id         INTEGER PRIMARY KEY,
  shop_id    INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  created_at ${at},
  UNIQUE (shop_id, name)
) STRICT;

CREATE TABLE bot_user_tags (
  bot_user_id INTEGER NOT NULL REFERENCES bot_users (id) ON DELETE CASCADE,
  tag_id      INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  PRIMARY KEY (bot_user_id, tag_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX bot_user_tags_tag ON bot_user_tags (tag_id, bot_user_id);

CREATE TABLE custom_fields (
  id          INTEGER PRIMARY KEY,
  shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'number', 'boolean', 'date')),
  description TEXT NOT NULL DEFAULT '',
  created_at  ${at},
  updated_at  ${at},
  UNIQUE (shop_id, name)
) STRICT;

CREATE TABLE forms (
  id          INTEGER PRIMARY KEY,
  shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  fields      TEXT NOT NULL DEFAULT '[]',
  consent     TEXT,
  min_fill_ms INTEGER NOT NULL DEFAULT 1500,
  created_at  ${at},
  updated_at  ${at},
  UNIQUE (shop_id, name)
) STRICT;

CREATE TABLE leads (
  id          INTEGER PRIMARY KEY,
  shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  form_id     INTEGER REFERENCES forms (id) ON DELETE SET NULL,
  fields      TEXT NOT NULL DEFAULT '{}',
  bot_user_id INTEGER REFERENCES bot_users (id) ON DELETE SET NULL,
  status      TEXT NOT NULL DEFAULT 'new',
  spam        INTEGER NOT NULL DEFAULT 0,
  source      TEXT NOT NULL DEFAULT 'api',
  page        TEXT,
  utm         TEXT,
  consent     TEXT,
  visitor_id  TEXT,
  created_at  ${at},
  updated_at  ${at}
) STRICT;
CREATE INDEX leads_shop ON leads (shop_id, spam, id);
CREATE INDEX leads_bot_user ON leads (bot_user_id);

CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  external_id TEXT,
  number      TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'new',
  customer    TEXT NOT NULL DEFAULT '{}',
  total       REAL NOT NULL DEFAULT 0,
  currency    TEXT NOT NULL DEFAULT 'USD',
  created_at  ${at},
  updated_at  ${at},
  UNIQUE (shop_id, external_id)
) STRICT;
CREATE INDEX orders_shop ON orders (shop_id, id);

CREATE TABLE order_items (
  id       INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  sku      TEXT NOT NULL DEFAULT '',
  name     TEXT NOT NULL,
  qty      INTEGER NOT NULL,
  price    REAL NOT NULL
) STRICT;
CREATE INDEX order_items_order ON order_items (order_id, position);

CREATE TABLE order_status_history (
  id         INTEGER PRIMARY KEY,
  order_id   INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  status     TEXT NOT NULL,
  created_at ${at}
) STRICT;
CREATE INDEX order_status_history_order ON order_status_history (order_id, id);

CREATE TABLE bot_user_orders (
  bot_user_id INTEGER NOT NULL REFERENCES bot_users (id) ON DELETE CASCADE,
  order_id    INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  PRIMARY KEY (bot_user_id, order_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX bot_user_orders_order ON bot_user_orders (order_id, bot_user_id);

CREATE TABLE flows (
  id            INTEGER PRIMARY KEY,
  shop_id       INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  bot_id        INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  first_step_id INTEGER REFERENCES steps (id) ON DELETE SET NULL,
  created_at    ${at},
  updated_at    ${at}
) STRICT;
CREATE INDEX flows_shop ON flows (shop_id, id);
CREATE INDEX flows_bot ON flows (bot_id);

CREATE TABLE steps (
  id            INTEGER PRIMARY KEY,
  shop_id       INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  flow_id       INTEGER NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  type          TEXT NOT NULL CHECK (type IN ('message', 'question', 'lead', 'delay', 'condition', 'action')),
  name          TEXT NOT NULL DEFAULT '',
  payload       TEXT NOT NULL DEFAULT '{}',
  next_step_id  INTEGER REFERENCES steps (id) ON DELETE SET NULL,
  variable      TEXT,
  validate      TEXT CHECK (validate IN ('text', 'number', 'phone', 'email')),
  error_text    TEXT,
  form_id       INTEGER REFERENCES forms (id) ON DELETE SET NULL,
  delay_seconds INTEGER,
  -- condition {variable, equals} and action {set_var} are JSON; the ids they refer to are
  -- columns, so that foreign keys keep them valid when a step or tag is deleted.
  condition     TEXT,
  then_step_id  INTEGER REFERENCES steps (id) ON DELETE SET NULL,
  else_step_id  INTEGER REFERENCES steps (id) ON DELETE SET NULL,
  action        TEXT,
  add_tag_id    INTEGER REFERENCES tags (id) ON DELETE SET NULL,
  remove_tag_id INTEGER REFERENCES tags (id) ON DELETE SET NULL,
  created_at    ${at},
  updated_at    ${at}
) STRICT;
CREATE INDEX steps_shop ON steps (shop_id, id);
CREATE INDEX steps_flow ON steps (flow_id, id);
CREATE INDEX steps_next ON steps (next_step_id);
CREATE INDEX steps_then ON steps (then_step_id);
CREATE INDEX steps_else ON steps (else_step_id);

CREATE TABLE menu_items (
  id           INTEGER PRIMARY KEY,
  shop_id      INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  step_id      INTEGER NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
  title        TEXT NOT NULL,
  next_step_id INTEGER REFERENCES steps (id) ON DELETE SET NULL,
  url          TEXT,
  position     INTEGER NOT NULL DEFAULT 0,
  created_at   ${at},
  updated_at   ${at}
) STRICT;
CREATE INDEX menu_items_shop ON menu_items (shop_id, id);
CREATE INDEX menu_items_step ON menu_items (step_id, position);
CREATE INDEX menu_items_next ON menu_items (next_step_id);

CREATE TABLE notification_channels (
  id         INTEGER PRIMARY KEY,
  shop_id    INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  type       TEXT NOT NULL CHECK (type IN ('telegram', 'webhook', 'email')),
  bot_id     INTEGER REFERENCES bots (id) ON DELETE CASCADE,
  chat_id    TEXT,
  url        TEXT,
  events     TEXT NOT NULL DEFAULT '[]',
  enabled    INTEGER NOT NULL DEFAULT 1,
  created_at ${at},
  updated_at ${at}
) STRICT;
CREATE INDEX notification_channels_shop ON notification_channels (shop_id, id);

CREATE TABLE webhook_endpoints (
  id                       INTEGER PRIMARY KEY,
  shop_id                  INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  url                      TEXT NOT NULL,
  events                   TEXT NOT NULL DEFAULT '[]',
  secret                   TEXT NOT NULL,
  previous_secret          TEXT,
  previous_secret_until    TEXT,
  enabled                  INTEGER NOT NULL DEFAULT 1,
  disabled_reason          TEXT,
  failing_since            TEXT,
  created_at               ${at},
  updated_at               ${at}
) STRICT;
CREATE INDEX webhook_endpoints_shop ON webhook_endpoints (shop_id, id);

CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  shop_id         INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  event           TEXT NOT NULL,
  kind            TEXT NOT NULL,
  channel_id      INTEGER REFERENCES notification_channels (id) ON DELETE SET NULL,
  endpoint_id     INTEGER REFERENCES webhook_endpoints (id) ON DELETE SET NULL,
  bot_id          INTEGER REFERENCES bots (id) ON DELETE SET NULL,
  bot_user_id     INTEGER REFERENCES bot_users (id) ON DELETE SET NULL,
  chat_id         TEXT,
  payload         TEXT NOT NULL DEFAULT '{}',
  status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  max_attempts    INTEGER NOT NULL DEFAULT 8,
  next_attempt_at ${at},
  lease_until     TEXT,
  last_error      TEXT,
  remote_id       TEXT,
  created_at      ${at},
  updated_at      ${at}
) STRICT;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_shop ON deliveries (shop_id, id);

CREATE TABLE delivery_attempts (
  id          INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  started_at  TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  outcome     TEXT NOT NULL,
  error       TEXT,
  remote_id   TEXT
) STRICT;
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- Message history, both directions. Outgoing rows point at their delivery (status, remote
-- id); inbound rows carry the messenger's id of the message (remote_id), unique per bot so
-- that an update delivered twice is handled once.
CREATE TABLE messages (
  id           INTEGER PRIMARY KEY,
  shop_id      INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  bot_id       INTEGER REFERENCES bots (id) ON DELETE CASCADE,
  bot_user_id  INTEGER REFERENCES bot_users (id) ON DELETE CASCADE,
  chat_id      TEXT,
  direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  content_type TEXT NOT NULL DEFAULT 'text',
  payload      TEXT NOT NULL DEFAULT '{}',
  delivery_id  INTEGER UNIQUE REFERENCES deliveries (id) ON DELETE SET NULL,
  remote_id    TEXT,
  created_at   ${at}
) STRICT;
CREATE INDEX messages_shop ON messages (shop_id, id);
CREATE INDEX messages_bot_user ON messages (bot_user_id, id);
CREATE INDEX messages_chat ON messages (bot_id, chat_id, id);
CREATE UNIQUE INDEX messages_inbound ON messages (bot_id, remote_id) WHERE direction = 'in';

-- First answers of idempotent public writes. A rowid table: ids grow with time, so expired
-- rows are the lowest ids and are pruned without an index on created_at.
CREATE TABLE idempotency_keys (
  id           INTEGER PRIMARY KEY,
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_at   ${at},
  UNIQUE (scope, key)
) STRICT;

-- Messenger opt-in tokens (POST /public/v1/optins): only a SHA-256 of the token is kept.
CREATE TABLE optin_tokens (
  id          INTEGER PRIMARY KEY,
  shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,
  bot_id      INTEGER REFERENCES bots (id) ON DELETE CASCADE,
  lead_id     INTEGER REFERENCES leads (id) ON DELETE SET NULL,
  order_id    INTEGER REFERENCES orders (id) ON DELETE SET NULL,
  visitor_id  TEXT,
  created_at  ${at},
  expires_at  TEXT NOT NULL,
  used_at     TEXT,
  bot_user_id INTEGER REFERENCES bot_users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX optin_tokens_expires ON optin_tokens (expires_at);
`;

/**
 * v2: scenario runs. Where each bot user is in a flow (one run per bot user at a time) and,
 * for a delay step, when the run resumes: a scheduled row, so a pause survives a restart.
 * `seq` counts the run's moves; the buttons of a message carry it, so a press on an older
 * message is told apart from one on the latest.
 */
const v2 = `
CREATE TABLE scenario_runs (
  bot_user_id INTEGER PRIMARY KEY REFERENCES bot_users (id) ON DELETE CASCADE,
  shop_id     INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  flow_id     INTEGER NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  step_id     INTEGER REFERENCES steps (id) ON DELETE SET NULL,
  waiting     TEXT CHECK (waiting IN ('buttons', 'answer', 'delay')),
  seq         INTEGER NOT NULL DEFAULT 0,
  resume_at   TEXT,
  created_at  ${at},
  updated_at  ${at}
) STRICT;
CREATE INDEX scenario_runs_resume ON scenario_runs (resume_at) WHERE resume_at IS NOT NULL;
CREATE INDEX scenario_runs_flow ON scenario_runs (flow_id);
CREATE INDEX scenario_runs_step ON scenario_runs (step_id);
`;

/** base64url's alphabet: an opt-in reference is 22 of these (132 random bits). */
const REF_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * A fresh 22-character reference per row, in SQL: each character is 6 bits of `random()`,
 * SQLite's PRNG (ChaCha20 seeded from the OS, https://sqlite.org/src/file/src/random.c).
 * `& 63` keeps it unbiased and never overflows as `abs()` could. New orders get theirs from
 * node:crypto in the order store; this fills the orders that existed before.
 */
const randomRef = Array.from(
  { length: 22 },
  () => `substr('${REF_ALPHABET}', 1 + (random() & 63), 1)`,
).join(' || ');

/**
 * v3: who may subscribe to what, and the demo shop.
 * - `orders.optin_ref`: the unguessable reference a buyer's order page passes to the public
 *   opt-in (`order_ref`), instead of the guessable number or external id; unique.
 * - `shops.demo`: set by the relay itself for the demo shop it seeds (never through the API);
 *   only a demo shop may have sandbox bots. The demo seed's shop is the demo user's first.
 * - `leads.announced_at`: when `lead.created` was raised for the lead — at creation, or when
 *   a manager released it from spam — so that it is raised once at most.
 * - The history keeps a `/start` without its opt-in token from now on; older rows lose theirs.
 */
const v3OptinRefsDemoShops = `
ALTER TABLE orders ADD COLUMN optin_ref TEXT;
UPDATE orders SET optin_ref = ${randomRef};
CREATE UNIQUE INDEX orders_optin_ref ON orders (optin_ref);

ALTER TABLE shops ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));
UPDATE shops SET demo = 1 WHERE id = (
  SELECT min(m.shop_id) FROM shop_members m JOIN users u ON u.id = m.user_id
  WHERE u.email = 'demo@touchpoint.local');

ALTER TABLE leads ADD COLUMN announced_at TEXT;
UPDATE leads SET announced_at = created_at WHERE spam = 0;

UPDATE messages SET payload = json_set(payload, '$.text', '/start')
WHERE direction = 'in' AND content_type = 'command'
  AND json_extract(payload, '$.text') GLOB '/start[ @]*';
`;

/**
 * v4: roles and members. A membership gets its own id (the members API addresses it) and a
 * creation time; login tokens all expire (those issued before expiry existed get the default
 * 30 days from now, then slide on use); one-time password-set links for invited members
 * (only a SHA-256 of each is kept).
 */
const v4Roles = `
CREATE TABLE shop_members_v4 (
  id         INTEGER PRIMARY KEY,
  shop_id    INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       TEXT NOT NULL CHECK (role IN ('owner', 'manager')),
  created_at ${at},
  UNIQUE (shop_id, user_id)
) STRICT;
INSERT INTO shop_members_v4 (shop_id, user_id, role)
  SELECT shop_id, user_id, role FROM shop_members ORDER BY shop_id, user_id;
DROP TABLE shop_members;
ALTER TABLE shop_members_v4 RENAME TO shop_members;
CREATE INDEX shop_members_user ON shop_members (user_id, shop_id);

UPDATE auth_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+30 days')
  WHERE expires_at IS NULL;
CREATE INDEX auth_tokens_expires ON auth_tokens (expires_at);

CREATE TABLE password_set_tokens (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  expires_at TEXT NOT NULL,
  created_at ${at}
) STRICT;
CREATE INDEX password_set_tokens_user ON password_set_tokens (user_id);
`;

/**
 * v5 (crash recovery): every relay process keeps a heartbeat row while it runs, and a
 * delivery claim records the process that claimed it. Rows claimed by a process whose
 * heartbeat stopped (or that shut down) are requeued at once instead of after their lease,
 * and never those of a live process, however many relays share the database.
 * `host_key` names the kernel and PID namespace (null where unknown): on the same one, a
 * missing `pid` proves the process dead without waiting for its heartbeat to go stale.
 */
const v5Instances = `
CREATE TABLE relay_instances (
  id           TEXT PRIMARY KEY,
  host         TEXT NOT NULL,
  host_key     TEXT,
  pid          INTEGER NOT NULL,
  started_at   ${at},
  heartbeat_at TEXT NOT NULL,
  stopped_at   TEXT
) STRICT, WITHOUT ROWID;
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
`;

/**
 * v6 (several relays on PostgreSQL; twin of PostgreSQL's v2Cluster): a Telegram webhook's
 * previous secret stays valid until `webhook_secret_prev_until`, so updates Telegram sent
 * with it while a relay registered a new one are not refused; `rate_counters` holds the
 * public and login limits that relays sharing a PostgreSQL database count together. SQLite's
 * one process counts in memory and leaves the table empty: it exists so that both engines
 * have the same tables (`touchpoint db:copy`).
 */
const v6Cluster = `
ALTER TABLE bots ADD COLUMN webhook_secret_prev_hash TEXT;
ALTER TABLE bots ADD COLUMN webhook_secret_prev_until TEXT;
CREATE TABLE rate_counters (
  key      TEXT PRIMARY KEY,
  count    INTEGER NOT NULL,
  reset_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`;

/**
 * v7 (WhatsApp and email; twin of PostgreSQL's v3WhatsApp):
 * - `bots.settings`: what a messenger needs besides the token and members may read (WhatsApp:
 *   the phone number and its id; an old WhatsApp bot's number moves there from its name);
 *   `bots.credentials`: write-only secrets besides the token
 *   (the app secret that signs WhatsApp's webhooks, the verify token), a JSON document sealed
 *   with the operator key like the token.
 * - `bot_users.last_inbound_at`: when the person last wrote; WhatsApp takes free-form messages
 *   only within 24 hours of it.
 * - alert channels of type `whatsapp` (the number in chat_id) and `settings` (email `to`, a
 *   WhatsApp template); deliveries move on to `delivered` and `read` on a messenger's receipt,
 *   found by the messenger's message id. Both CHECKs change, so both tables are rebuilt
 *   (relay/db/migrate.ts runs migrations with foreign keys off, as a rebuild requires).
 */
const digitsOfName = ['(', ')', '+', '.', '-'].reduce(
  (expr, c) => `replace(${expr}, '${c}', '')`,
  `replace(name, ' ', '')`,
);
const v7WhatsApp = `
ALTER TABLE bots ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE bots ADD COLUMN credentials TEXT;
-- WhatsApp bots made before settings held their number in their name: it moves to settings,
-- so that the widget keeps their link (they need a phone number id and credentials to work).
UPDATE bots SET settings = json_object('phone_number', '+' || ${digitsOfName})
WHERE bot_type = 'whatsapp' AND ${digitsOfName} GLOB '[1-9]*'
  AND ${digitsOfName} NOT GLOB '*[^0-9]*' AND length(${digitsOfName}) BETWEEN 7 AND 15;
ALTER TABLE bot_users ADD COLUMN last_inbound_at TEXT;

CREATE TABLE notification_channels_v7 (
  id         INTEGER PRIMARY KEY,
  shop_id    INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  type       TEXT NOT NULL CHECK (type IN ('telegram', 'whatsapp', 'webhook', 'email')),
  bot_id     INTEGER REFERENCES bots (id) ON DELETE CASCADE,
  chat_id    TEXT,
  url        TEXT,
  events     TEXT NOT NULL DEFAULT '[]',
  enabled    INTEGER NOT NULL DEFAULT 1,
  created_at ${at},
  updated_at ${at},
  settings   TEXT NOT NULL DEFAULT '{}'
) STRICT;
INSERT INTO notification_channels_v7 (id, shop_id, type, bot_id, chat_id, url, events, enabled, created_at, updated_at)
  SELECT id, shop_id, type, bot_id, chat_id, url, events, enabled, created_at, updated_at
  FROM notification_channels;
DROP TABLE notification_channels;
ALTER TABLE notification_channels_v7 RENAME TO notification_channels;
CREATE INDEX notification_channels_shop ON notification_channels (shop_id, id);

CREATE TABLE deliveries_v7 (
  id              INTEGER PRIMARY KEY,
  shop_id         INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  event           TEXT NOT NULL,
  kind            TEXT NOT NULL,
  channel_id      INTEGER REFERENCES notification_channels (id) ON DELETE SET NULL,
  endpoint_id     INTEGER REFERENCES webhook_endpoints (id) ON DELETE SET NULL,
  bot_id          INTEGER REFERENCES bots (id) ON DELETE SET NULL,
  bot_user_id     INTEGER REFERENCES bot_users (id) ON DELETE SET NULL,
  chat_id         TEXT,
  payload         TEXT NOT NULL DEFAULT '{}',
  status          TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  max_attempts    INTEGER NOT NULL DEFAULT 8,
  next_attempt_at ${at},
  lease_until     TEXT,
  last_error      TEXT,
  remote_id       TEXT,
  created_at      ${at},
  updated_at      ${at},
  claimed_by      TEXT
) STRICT;
INSERT INTO deliveries_v7 (id, shop_id, event, kind, channel_id, endpoint_id, bot_id, bot_user_id,
    chat_id, payload, status, attempts, max_attempts, next_attempt_at, lease_until, last_error,
    remote_id, created_at, updated_at, claimed_by)
  SELECT id, shop_id, event, kind, channel_id, endpoint_id, bot_id, bot_user_id, chat_id, payload,
    status, attempts, max_attempts, next_attempt_at, lease_until, last_error, remote_id,
    created_at, updated_at, claimed_by
  FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v7 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_shop ON deliveries (shop_id, id);
CREATE INDEX deliveries_remote ON deliveries (bot_id, remote_id) WHERE remote_id IS NOT NULL;
`;

/**
 * v8, the console (issue 14; twin of PostgreSQL's v4Console):
 * - `shop_events`: what a shop's event stream (GET /api/events/stream/) sends, written in the
 *   transaction of what happened, so a stream that reconnects catches up from its last event
 *   id, also after a relay restart, and a stream served by another relay sees it. Rows carry
 *   references (`data`: ids), never copies of personal data; the stream reads the objects
 *   when it sends them. `tx` is PostgreSQL's transaction id (0 on SQLite, whose one writer
 *   commits in id order): relay/events/log.ts explains why the stream reads in (tx, id) order.
 * - `bot_chats`: the groups and channels a Telegram (or sandbox) bot was added to, from
 *   `my_chat_member` updates, with their titles: picking one creates an alert channel.
 * - Bot users: `taken_over_at` / `taken_over_by` (a manager answers the person: the scenario
 *   pauses for them) and `read_message_id` (the newest message the shop has read: the
 *   conversations list's unread count). Existing history counts as read.
 */
const v8Console = `
CREATE TABLE shop_events (
  id         INTEGER PRIMARY KEY,
  shop_id    INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  type       TEXT NOT NULL,
  data       TEXT NOT NULL DEFAULT '{}',
  tx         INTEGER NOT NULL DEFAULT 0,
  created_at ${at}
) STRICT;
CREATE INDEX shop_events_order ON shop_events (tx, id);
CREATE INDEX shop_events_shop ON shop_events (shop_id, tx, id);
CREATE INDEX shop_events_created ON shop_events (created_at);

CREATE TABLE bot_chats (
  id         INTEGER PRIMARY KEY,
  shop_id    INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  bot_id     INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  chat_id    TEXT NOT NULL,
  type       TEXT NOT NULL,
  title      TEXT NOT NULL DEFAULT '',
  status     TEXT NOT NULL,
  created_at ${at},
  updated_at ${at},
  UNIQUE (bot_id, chat_id)
) STRICT;
CREATE INDEX bot_chats_shop ON bot_chats (shop_id, id);

ALTER TABLE bot_users ADD COLUMN taken_over_at TEXT;
ALTER TABLE bot_users ADD COLUMN taken_over_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE bot_users ADD COLUMN read_message_id INTEGER NOT NULL DEFAULT 0;
UPDATE bot_users SET read_message_id = coalesce(
  (SELECT max(id) FROM messages WHERE bot_user_id = bot_users.id), 0);
`;

/**
 * v9 (Viber and VK; twin of PostgreSQL's v5ViberVk):
 * - alert channels of type `viber` and `vk` (a manager's chat through one of the shop's bots):
 *   the CHECK changes, so the table is rebuilt keeping every row, and deliveries keep their
 *   channel (relay/db/migrate.ts runs migrations with foreign keys off, as a rebuild requires);
 * - Viber and VK bots made before settings held their chat URI or screen name in their name:
 *   it moves to settings (`uri`, `screen_name`), so that the widget keeps their links.
 */
const v9ViberVk = `
CREATE TABLE notification_channels_v9 (
  id         INTEGER PRIMARY KEY,
  shop_id    INTEGER NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  type       TEXT NOT NULL CHECK (type IN ('telegram', 'whatsapp', 'viber', 'vk', 'webhook', 'email')),
  bot_id     INTEGER REFERENCES bots (id) ON DELETE CASCADE,
  chat_id    TEXT,
  url        TEXT,
  events     TEXT NOT NULL DEFAULT '[]',
  enabled    INTEGER NOT NULL DEFAULT 1,
  created_at ${at},
  updated_at ${at},
  settings   TEXT NOT NULL DEFAULT '{}'
) STRICT;
INSERT INTO notification_channels_v9 (id, shop_id, type, bot_id, chat_id, url, events, enabled,
    created_at, updated_at, settings)
  SELECT id, shop_id, type, bot_id, chat_id, url, events, enabled, created_at, updated_at, settings
  FROM notification_channels;
DROP TABLE notification_channels;
ALTER TABLE notification_channels_v9 RENAME TO notification_channels;
CREATE INDEX notification_channels_shop ON notification_channels (shop_id, id);

UPDATE bots SET settings = json_object(CASE bot_type WHEN 'viber' THEN 'uri' ELSE 'screen_name' END, name)
WHERE bot_type IN ('viber', 'vk') AND settings = '{}'
  AND name NOT GLOB '*[^A-Za-z0-9._-]*' AND length(name) BETWEEN 1 AND 64;
`;

/**
 * v10, the scenario editor (issue 15; twin of PostgreSQL's v6ScenarioEditor): `steps.ui`, where the console's editor draws a step
 * (JSON `{x, y}`; the runtime ignores it), and `bot_users.test`: the test persons its Try
 * panel runs flows for (never sent to a messenger, left out of the shop's lists).
 */
const v10ScenarioEditor = `
ALTER TABLE steps ADD COLUMN ui TEXT;
ALTER TABLE bot_users ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
`;

/**
 * v11 (twin of PostgreSQL's v7TestPersonRetention): the relay's hourly maintenance deletes
 * test persons of the Try panel left unused for a week (relay/relay.ts); it finds them by
 * this partial index rather than by reading every bot user.
 */
const v11TestPersonRetention = `
CREATE INDEX bot_users_test ON bot_users (created_at) WHERE test = 1;
`;

/**
 * v12 (twin of PostgreSQL's v8UnsubscribedBy): who turned a bot user's messages off, while
 * `subscribed_to_bot` is 0 — `person` (they left or blocked the bot, or the messenger said they
 * are gone: their next message subscribes them again) or `manager` (switched off through the
 * API: only a manager, or the person's explicit start, switches them on). Null while
 * subscribed, and for people unsubscribed before this column: who did it is not known, so
 * they are treated as a manager's decision (writing does not subscribe them again).
 */
const v12UnsubscribedBy = `
ALTER TABLE bot_users ADD COLUMN unsubscribed_by TEXT CHECK (unsubscribed_by IN ('person', 'manager'));
`;

export const migrations: readonly string[] = [
  v1,
  v2,
  v3OptinRefsDemoShops,
  v4Roles,
  v5Instances,
  v6Cluster,
  v7WhatsApp,
  v8Console,
  v9ViberVk,
  v10ScenarioEditor,
  v11TestPersonRetention,
  v12UnsubscribedBy,
];
