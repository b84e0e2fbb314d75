import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import type { Shop } from '../shops/schemas.js';
import { findDemoShop } from './seed.js';

/** The name of the publishable key the demo pages embed; one such key at a time. */
export const DEMO_KEY_NAME = 'demo page';

/** Where the demo pages are opened: the public URL, and this port on localhost and 127.0.0.1. */
export function demoOrigins(config: Pick<Config, 'publicUrl' | 'port'>): string[] {
  return [
    ...new Set([
      new URL(config.publicUrl).origin,
      `http://localhost:${config.port}`,
      `http://127.0.0.1:${config.port}`,
    ]),
  ];
}

export type DemoContext = { shop: Shop; key: string };

/**
 * The demo shop and the publishable key its pages embed (`data-key`). Keys are stored hashed
 * and shown once, so a relay process issues its own key for the pages it renders — on the
 * first demo page it serves, which also covers a demo shop seeded after the app was built —
 * and revokes the key the previous process issued. Resolves to null while there is no demo
 * shop; that answer is not kept, so seeding later works without a restart.
 */
export function demoKeyIssuer({ stores, config }: Pick<Deps, 'stores' | 'config'>) {
  let issued: Promise<DemoContext | null> | null = null;

  async function issue(): Promise<DemoContext | null> {
    const shop = await findDemoShop(stores);
    if (!shop) return null;
    const previous: number[] = [];
    for (let offset = 0; ; offset += 100) {
      const { rows } = await stores.keys.list(shop.id, { limit: 100, offset });
      for (const k of rows)
        if (k.kind === 'publishable' && k.name === DEMO_KEY_NAME) previous.push(k.id);
      if (rows.length < 100) break;
    }
    for (const id of previous) await stores.keys.delete(id);
    const { key } = await stores.keys.create({
      shop_id: shop.id,
      kind: 'publishable',
      name: DEMO_KEY_NAME,
      allowed_origins: demoOrigins(config),
    });
    return { shop, key };
  }

  return function demoContext(): Promise<DemoContext | null> {
    issued ??= issue().then(
      (ctx) => {
        if (!ctx) issued = null;
        return ctx;
      },
      (err: unknown) => {
        issued = null;
        throw err;
      },
    );
    return issued;
  };
}
