import type { Schemas } from '../api/client.js';

/** A signed-in person: the login answer (token, its expiry, the user). */
export type Session = Schemas['LoginResult'];

/**
 * The token lives in memory and in sessionStorage: it survives a reload of this tab, ends
 * with the tab, and is never written to localStorage (shared by every tab, kept for ever).
 */
const KEY = 'tpc.session';

const read = (): Session | null => {
  try {
    const raw = sessionStorage.getItem(KEY);
    const value = raw ? (JSON.parse(raw) as Session) : null;
    return value && typeof value.token === 'string' && value.user ? value : null;
  } catch {
    return null;
  }
};

let current: Session | null = read();

export const session = () => current;

export function startSession(next: Session) {
  current = next;
  try {
    sessionStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    /* storage blocked: this page view only */
  }
}

export function endSession() {
  current = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* nothing stored */
  }
}
