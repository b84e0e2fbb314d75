import type { Config } from './config.js';
import type { Db } from './db/open.js';
import type { Outbound } from './http/outbound.js';
import { createUserStore } from './auth/store.js';
import { createBotUserStore } from './bot-users/store.js';
import { createSubscriberStore } from './bot-users/subscribers.js';
import { createBotChatStore } from './bots/chats.js';
import { createBotStore } from './bots/store.js';
import { createConversationStore } from './conversations/store.js';
import { createCustomFieldStore } from './custom-fields/store.js';
import { createChangeFeed } from './cluster/changes.js';
import { createEvents } from './db/events.js';
import { notifyOnEvents } from './events/emit.js';
import { createEventLog, logOnEvents } from './events/log.js';
import { createEventTargetStore } from './events/store.js';
import { createFormStore } from './forms/store.js';
import { createInstanceStore } from './instances/store.js';
import { createDeliveryStore } from './delivery/store.js';
import { createKeyStore } from './keys/store.js';
import { createChannelStore } from './notifications/store.js';
import { createLeadStore } from './leads/store.js';
import { createMemberStore } from './members/store.js';
import { createMessageStore } from './messages/store.js';
import { notifyBuyers } from './orders/notify.js';
import { createOrderStore } from './orders/store.js';
import { createOptinStore } from './public/optin-store.js';
import { createScenarioStore } from './scenario/store.js';
import { createScenarioRuntime } from './scenario/runtime/engine.js';
import { createShopStore } from './shops/store.js';
import { createTagStore } from './tags/store.js';
import { createWebhookStore } from './webhooks/store.js';

/** Every store, each created once per database (statements are prepared here). */
export function createStores(db: Db) {
  // Domain events (lead.created, order.*) emitted inside write transactions: relay/db/events.ts.
  const events = createEvents();
  // Management writes the public cache and the bots' owners must hear of, after commit; on
  // PostgreSQL other relays hear of them too (relay/cluster).
  const changes = createChangeFeed();
  const stores = {
    events,
    changes,
    users: createUserStore(db),
    shops: createShopStore(db, changes),
    members: createMemberStore(db),
    keys: createKeyStore(db, changes),
    bots: createBotStore(db, changes),
    botUsers: createBotUserStore(db),
    tags: createTagStore(db),
    customFields: createCustomFieldStore(db),
    deliveries: createDeliveryStore(db),
    // Relay processes and their heartbeats (crash recovery of deliveries in flight).
    instances: createInstanceStore(db),
    forms: createFormStore(db, changes),
    leads: createLeadStore(db, events),
    orders: createOrderStore(db, events),
    scenario: createScenarioStore(db, events),
    channels: createChannelStore(db),
    webhooks: createWebhookStore(db),
    eventTargets: createEventTargetStore(db),
    // Messenger opt-in tokens; channels call `optins.consume(token, botUserId)` on /start.
    optins: createOptinStore(db),
    // Bot users as messengers see them (/start, blocked, chat moved): relay/channels.
    subscribers: createSubscriberStore(db),
    messages: createMessageStore(db),
    // The groups and channels bots were added to (alert channels are picked from them).
    botChats: createBotChatStore(db),
    // The shop event log the console's live stream reads (relay/events/hub.ts).
    eventLog: createEventLog(db, changes),
  };
  // Bot users moving through flows: relay/scenario/runtime (inbound, API and scheduler call it).
  const scenarioRuntime = createScenarioRuntime(db, stores);
  // The chat list: people by their newest message, unread counts, taken over or not.
  const conversations = createConversationStore(db, stores);
  // Every domain event also goes to the shop's event log, in the same transaction.
  events.on(logOnEvents(stores.eventLog));
  // Manager alerts and webhooks are queued in the event's own transaction (relay/events/emit.ts).
  events.on(notifyOnEvents(stores));
  // Buyers subscribed to an order hear about its status changes, in the same transaction.
  events.on(notifyBuyers(stores));
  return { ...stores, scenarioRuntime, conversations };
}
export type Stores = ReturnType<typeof createStores>;

/**
 * What route factories receive. Nothing in relay/ imports a module-level database; every
 * outbound HTTP request goes through `outbound` (relay/http/outbound.ts). `log` takes the
 * operator's lines (refused public requests); stderr when absent.
 */
export type Deps = {
  db: Db;
  config: Config;
  stores: Stores;
  outbound: Outbound;
  log?: (line: string) => void;
};
