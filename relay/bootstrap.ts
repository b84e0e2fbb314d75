import type { Config } from './config.js';
import { exclusively, LOCKS } from './db/locks.js';
import type { Db } from './db/open.js';
import { constraintKind } from './db/sql.js';
import { createStores } from './deps.js';
import { findDemoShop, seedDemo } from './demo/seed.js';

const FIRST = { limit: 1, offset: 0 };

/**
 * One-time work at start, after migrations: the operator's admin user from the
 * environment, and the demo shop when demo mode starts on an empty database (or its example
 * bot scenario, on a demo database seeded before scenarios existed).
 */
export async function bootstrap(db: Db, config: Config, log: (line: string) => void = () => {}) {
  // Relays starting together on one PostgreSQL database: the first does it, the others find
  // it done.
  await exclusively(db, LOCKS.startup, () => once(db, config, log));
}

async function once(db: Db, config: Config, log: (line: string) => void) {
  const stores = createStores(db);
  if (config.admin && !(await stores.users.findByEmail(config.admin.email))) {
    try {
      await stores.users.create(config.admin.email, config.admin.password);
      log(`Created platform user ${config.admin.email}`);
    } catch (err) {
      // Another process created it first (a second relay on the same SQLite file).
      if (constraintKind(err) !== 'unique') throw err;
    }
  }
  if (!config.demo) return;
  if (!(await stores.shops.first())) {
    const demo = await seedDemo(stores, { publicUrl: config.publicUrl });
    log(`Seeded the demo shop #${demo.shop.id}; log in as ${demo.email} / ${demo.password}`);
    return;
  }
  // A demo database from before bot scenarios: add the example flow (seeding adds only what
  // is missing). A demo shop that has flows is left as its users made it.
  const shop = await findDemoShop(stores);
  if (shop && (await stores.scenario.flows.list(shop.id, null, FIRST)).count === 0) {
    await seedDemo(stores, { publicUrl: config.publicUrl });
    log(`Added the example bot scenario to the demo shop #${shop.id}`);
  }
}
