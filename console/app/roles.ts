import { allOf, ApiFailure, type Api, type Role } from '../api/client.js';

/**
 * The signed-in person's role in a shop, from the members list (DESIGN.md "Roles"), which
 * every member may read. A 403 can only mean less than an owner. Hiding a page from a
 * manager is a courtesy: the API is what refuses them (403 with its sentence).
 */
export async function roleIn(api: Api, shopId: number, userId: number): Promise<Role> {
  try {
    const members = await allOf(shopId, (query) =>
      api.GET('/api/shop/members/', { params: { query } }),
    );
    return members.find((m) => m.user_id === userId)?.role ?? 'manager';
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 403) return 'manager';
    throw err;
  }
}
