import type { Config } from './config.js';
import type { Db } from './db/open.js';
import { createUserStore } from './auth/store.js';
import { createKeyStore } from './keys/store.js';
import { createShopStore } from './shops/store.js';

/** Every store, each created once per database (statements are prepared here). */
export function createStores(db: Db) {
  return {
    users: createUserStore(db),
    shops: createShopStore(db),
    keys: createKeyStore(db),
  };
}
export type Stores = ReturnType<typeof createStores>;

/** What route factories receive. Nothing in relay/ imports a module-level database. */
export type Deps = { db: Db; config: Config; stores: Stores };
