import type { Stores } from '../deps.js';

/** Demo-only credentials, printed at start and in the README. Never used outside demo mode. */
export const DEMO_LOGIN = { email: 'demo@touchpoint.local', password: 'touchpoint-demo' } as const;

/** The demo shop a newcomer sees after `npm start` on an empty database. */
export async function seedDemo(stores: Stores) {
  const user =
    (await stores.users.findByEmail(DEMO_LOGIN.email)) ??
    (await stores.users.create(DEMO_LOGIN.email, DEMO_LOGIN.password));
  const shop = await stores.shops.create({ name: 'Demo Shop' }, user.id);
  return { shop, ...DEMO_LOGIN };
}
