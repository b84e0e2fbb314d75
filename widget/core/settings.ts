import type { ReactiveControllerHost } from 'lit';

/** What the loader (or a bundler user through `configure`) tells every element. */
export type Settings = {
  /** The shop's publishable key, `pk_…`. */
  key: string;
  /** The relay's origin, e.g. https://relay.example; defaults to the page's origin. */
  relay: string;
  /** Visitor data from `Touchpoint('identify', {...})`: prefills forms, links opt-ins. */
  visitor: Record<string, string>;
};

const current: Settings = { key: '', relay: '', visitor: {} };
const hosts = new Set<ReactiveControllerHost>();

/**
 * Sets page-wide settings and re-renders connected elements, which may have rendered
 * before the loader knew the key (elements upgrade as soon as their code is evaluated).
 */
export function configure(next: Partial<Settings>) {
  if (next.key !== undefined) current.key = next.key;
  if (next.relay !== undefined) current.relay = next.relay.replace(/\/+$/, '');
  if (next.visitor) current.visitor = { ...current.visitor, ...next.visitor };
  hosts.forEach((h) => h.requestUpdate());
}

export const settings = (): Readonly<Settings> => current;

/** Element side: be re-rendered when settings change. */
export const watchSettings = (host: ReactiveControllerHost) =>
  host.addController({
    hostConnected: () => hosts.add(host),
    hostDisconnected: () => hosts.delete(host),
  });

/** The relay to call: the element's own `relay` attribute, the loader's, or this page's origin. */
export const relayOf = (own: string) =>
  (own || current.relay || location.origin).replace(/\/+$/, '');

const VISITOR = 'tp_visitor';

/**
 * A random id for this browser, kept in localStorage so that a lead and a later opt-in of
 * the same visitor link up; `identify({visitor_id})` replaces it.
 */
export function visitorId(): string {
  const given = current.visitor.visitor_id;
  if (given && /^[\w.:-]{1,100}$/.test(given)) return given; // what the relay accepts
  let id = '';
  try {
    id = localStorage.getItem(VISITOR) ?? '';
    if (!id) localStorage.setItem(VISITOR, (id = uuid()));
  } catch {
    // Storage blocked (privacy mode, sandboxed iframe): an id for this page view only.
    id = current.visitor.visitor_id = uuid();
  }
  return id;
}

/** RFC 9562 version 4 UUID; randomUUID only exists in secure contexts (https, localhost). */
export const uuid = (): string =>
  crypto.randomUUID?.() ??
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (+c / 4)))).toString(16),
  );
