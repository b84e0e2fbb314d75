import type { Config } from './config.js';
import type { Db } from './db/open.js';
import { createStores } from './deps.js';
import { seedDemo } from './demo/seed.js';

/**
 * One-time work at start, after migrations: the operator's admin user from the
 * environment, and the demo shop when demo mode starts on an empty database.
 */
export async function bootstrap(db: Db, config: Config, log: (line: string) => void = () => {}) {
  const stores = createStores(db);
  if (config.admin && !(await stores.users.findByEmail(config.admin.email))) {
    await stores.users.create(config.admin.email, config.admin.password);
    log(`Created platform user ${config.admin.email}`);
  }
  if (config.demo && !(await stores.shops.first())) {
    const demo = await seedDemo(stores);
    log(`Seeded the demo shop #${demo.shop.id}; log in as ${demo.email} / ${demo.password}`);
  }
}
