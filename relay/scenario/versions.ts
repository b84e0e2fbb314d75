import { now } from '../db/open.js';
import { staleUpdate } from '../http/errors.js';

/**
 * Optimistic concurrency for scenario objects. A flow, step or menu item's `updated_at` is
 * its version: a PATCH may send the `updated_at` it last read, and is refused with 409 (and
 * the current object) when the object changed since. Two people editing the same flow in
 * the console therefore never overwrite each other silently.
 */

/**
 * The `updated_at` of a save: now, or a millisecond after the previous version when the
 * clock has not moved past it (two saves in the same millisecond, or a clock step back), so
 * every save makes a new version and a precondition can always tell them apart.
 */
export function nextVersion(previous: string): string {
  const at = now();
  const before = Date.parse(previous);
  return Date.parse(at) > before ? at : new Date(before + 1).toISOString();
}

/**
 * Throws 409 with `current()` when the client's precondition names another version. Compared
 * as instants, so `…T12:00:00Z` and `…T12:00:00.000Z` are the same version.
 */
export async function checkVersion(
  what: string,
  stored: string,
  expected: string | undefined,
  current: () => Promise<object | undefined>,
): Promise<void> {
  if (expected === undefined || Date.parse(expected) === Date.parse(stored)) return;
  throw staleUpdate(what, (await current()) ?? {});
}
