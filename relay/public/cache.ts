import type { CountryCode } from 'libphonenumber-js';
import type { Bot } from '../bots/schemas.js';
import type { Deps } from '../deps.js';
import { defaultCountry } from '../forms/phone.js';
import type { Form } from '../forms/schemas.js';
import { captchaSettings, type CaptchaSettings } from './captcha.js';
import { buildConfig } from './config.js';

/**
 * How long the public API trusts what it read about a key or a shop. The hot path (every
 * lead) then costs no database read for the key, the shop, its forms or its config. A
 * management write of a key, form, shop or bot forgets that shop's entries at once, in this
 * relay and (on PostgreSQL, through LISTEN/NOTIFY: relay/cluster/broadcast.ts) in the others
 * within moments; this time is the backstop should a notification be lost.
 */
export const PUBLIC_CACHE_TTL_MS = 5_000;

/** What a valid publishable key grants. */
export type PublicKey = { id: number; shopId: number; origins: ReadonlySet<string> };

/** Everything the public endpoints need about a shop, read once per TTL. */
export type ShopContext = {
  id: number;
  name: string;
  settings: Record<string, unknown>;
  country: CountryCode | undefined;
  forms: ReadonlyMap<string, Form>;
  /** Active opt-in bots (every type but `web`), in id order. */
  bots: readonly Bot[];
  captcha: CaptchaSettings | null;
  /** Writes per minute per key; 0 turns the per-key limit off. */
  keyRateLimit: number;
  /** The serialised config envelope and its strong ETag. */
  config: { body: string; etag: string };
};

/** Writes (leads, opt-ins, form posts) per minute per publishable key, unless the shop sets `settings.public_key_rate_limit`. */
export const PUBLIC_KEY_RATE_LIMIT = 600;

/** `shopId`: whose entry it is, once loaded (a key's shop), to forget it with its shop. */
type Entry<T> = { value: Promise<T>; expires: number; shopId?: number };

const live = new Set<WeakRef<{ clear(): void }>>();

/** Empties every public cache of this process (tests that revoke a key or edit a form). */
export function clearPublicCaches(): void {
  for (const ref of live) {
    const cache = ref.deref();
    if (cache) cache.clear();
    else live.delete(ref);
  }
}

export function createPublicCache({ stores, config }: Deps, ttlMs = PUBLIC_CACHE_TTL_MS) {
  const keys = new Map<string, Entry<PublicKey | null>>();
  const shops = new Map<number, Entry<ShopContext | null>>();

  /** A cached promise, so that concurrent misses share one read. Failures are not kept. */
  function cached<K, T>(
    map: Map<K, Entry<T>>,
    key: K,
    load: () => Promise<T>,
    shopOf: (value: NonNullable<T>) => number,
  ): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (map.size > 10_000) for (const [k, e] of map) if (e.expires <= now) map.delete(k);
    const value = load();
    const entry: Entry<T> = { value, expires: now + ttlMs };
    map.set(key, entry);
    // Unknown keys and failed reads are not remembered: a key created now works at once.
    const forget = () => map.get(key)?.value === value && map.delete(key);
    value.then((v) => (v === null ? forget() : (entry.shopId = shopOf(v!))), forget);
    return value;
  }

  async function loadKey(raw: string): Promise<PublicKey | null> {
    const key = await stores.keys.find(raw, 'publishable');
    return key ? { id: key.id, shopId: key.shop_id, origins: new Set(key.allowed_origins) } : null;
  }

  async function loadShop(shopId: number): Promise<ShopContext | null> {
    const shop = await stores.shops.getWithSecrets(shopId); // the captcha secret, opened
    if (!shop) return null;
    const forms = await all((page) => stores.forms.list(shopId, page));
    const bots = (await all((page) => stores.bots.list(shopId, page))).filter(
      (b) => b.bot_type !== 'web' && b.status === 'active',
    );
    const settings = shop.settings;
    const limit = settings.public_key_rate_limit;
    return {
      id: shop.id,
      name: shop.name,
      settings,
      country: defaultCountry(settings),
      forms: new Map(forms.map((f) => [f.name, f])),
      bots,
      captcha: captchaSettings(settings),
      keyRateLimit:
        typeof limit === 'number' && Number.isInteger(limit) && limit >= 0
          ? limit
          : PUBLIC_KEY_RATE_LIMIT,
      config: buildConfig(shop, forms, bots, config.publicUrl),
    };
  }

  const cache = {
    key: (raw: string) =>
      cached(
        keys,
        raw,
        () => loadKey(raw),
        (k) => k.shopId,
      ),
    shop: (shopId: number) =>
      cached(
        shops,
        shopId,
        () => loadShop(shopId),
        (s) => s.id,
      ),

    /** Forgets what it holds about the shop: its context and its keys (also those loading). */
    forgetShop(shopId: number) {
      shops.delete(shopId);
      for (const [raw, entry] of keys)
        if (entry.shopId === undefined || entry.shopId === shopId) keys.delete(raw);
    },

    clear() {
      keys.clear();
      shops.clear();
    },
  };
  stores.changes.on((change) => {
    if ('shop' in change) cache.forgetShop(change.shop);
    else if ('all' in change) cache.clear();
  });
  live.add(new WeakRef(cache));
  return cache;
}
export type PublicCache = ReturnType<typeof createPublicCache>;

/** Every row of a paginated store list. */
async function all<T>(
  list: (page: { limit: number; offset: number }) => Promise<{ count: number; rows: T[] }>,
): Promise<T[]> {
  const rows: T[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await list({ limit: 100, offset });
    rows.push(...page.rows);
    if (page.rows.length < 100) return rows;
  }
}
