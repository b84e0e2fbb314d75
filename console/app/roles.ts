import { all, ApiFailure, must, type Api } from '../api/client.js';
import type { Role } from '../api/pending.js';

export type ShopRole = { role: Role; known: boolean };

/**
 * The signed-in person's role in a shop, from the members API (DESIGN.md "Roles"). A relay
 * without that API (404: roles are not enforced there, every member can do everything)
 * means owner, flagged `known: false` so the Members page can say so. A 403 on the list
 * means the person may not see members: not an owner. Hiding a page is a courtesy; the
 * API is what refuses a manager.
 */
export async function roleIn(api: Api, shopId: number, userId: number): Promise<ShopRole> {
  try {
    const members = await all(
      (offset) =>
        must(
          api.GET('/api/shop/members/', {
            params: { query: { shop_id: shopId, limit: 100, offset } },
          }),
        ),
      1000,
    );
    const me = members.find((m) => m.user_id === userId);
    return { role: me?.role ?? 'manager', known: true };
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) return { role: 'owner', known: false };
    if (err instanceof ApiFailure && err.status === 403) return { role: 'manager', known: true };
    throw err;
  }
}
