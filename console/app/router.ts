/**
 * Routes live in the URL's fragment (`/console/#/shops/12/leads/34?status=new`): the relay
 * serves one page, every view has a link that survives a reload, and the password-set links
 * the members API hands out (`/console/#/set-password?token=…`) open the right view.
 */
export type Route = { path: string[]; query: URLSearchParams };

export type Query = Record<string, string | number | boolean | null | undefined>;

export function parseRoute(hash = location.hash): Route {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  return {
    path: path
      .split('/')
      .filter(Boolean)
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      }),
    query: new URLSearchParams(search),
  };
}

/** A link to a view: `href(['shops', 12, 'leads'], { status: 'new' })` → `#/shops/12/leads?status=new`. */
export function href(path: (string | number)[], query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '' && v !== false) search.set(k, String(v));
  const qs = search.toString();
  return `#/${path.map((s) => encodeURIComponent(String(s))).join('/')}${qs ? `?${qs}` : ''}`;
}

/**
 * Goes to a view. `replace` rewrites the current history entry (redirects); hashchange does
 * not fire for replaceState, so it is dispatched here for the shell to follow.
 */
export function navigate(to: string, { replace = false } = {}) {
  if (to === location.hash) return;
  if (replace) {
    history.replaceState(history.state, '', to);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = to;
}
