import { css, html, nothing } from 'lit';
import { all, ApiFailure, createApi, done, must, type Role } from '../api/client.js';
import { currentLocale, LOCALES, setLocale, t, type Locale } from '../i18n/i18n.js';
import { failureAlert } from '../ui/fields.js';
import { shared } from '../ui/styles.js';
import { ConsoleElement } from './element.js';
import { stopLive } from './live.js';
import type { PageContext, Section, Shop } from './page.js';
import { roleIn } from './roles.js';
import { href, navigate, parseRoute } from './router.js';
import { SECTIONS } from './sections.js';
import { endSession, session, startSession, type Session } from './session.js';
import { applyTheme, savedTheme, THEMES, type Theme } from './theme.js';

/** What the main area shows. */
type View =
  | { kind: 'loading' }
  | { kind: 'page'; el: HTMLElement; section?: Section; shop?: Shop }
  | { kind: 'missing' }
  | { kind: 'forbidden'; section: Section }
  | { kind: 'failed'; failure: ApiFailure };

/** Reads (or with `value`, writes) a preference; storage may be blocked (private modes). */
function preference(key: string, value?: string): string | null {
  try {
    if (value === undefined) return localStorage.getItem(key);
    localStorage.setItem(key, value);
  } catch {
    /* not remembered */
  }
  return null;
}

type PageHost = HTMLElement & { ctx?: PageContext; updateComplete?: Promise<unknown> };

/** Where to go after signing in: the view a person was sent away from. */
const RETURN = 'tpc.return';
/** The shop opened last, so `/console/` reopens it. A preference, not a secret. */
const LAST_SHOP = 'tpc.shop';

/**
 * The console's shell: the header, the navigation (shop switcher, sections by role,
 * language, theme, sign-out) and the main area, where it mounts the current route's page
 * (a lazily loaded chunk). It owns the session: a 401 from any call ends it and brings the
 * sign-in back with a sentence saying why. After each navigation it moves focus to the new
 * page's heading; results of actions are spoken through one polite live region.
 *
 * @summary The Touchpoint console application.
 */
export class TpcApp extends ConsoleElement {
  static override styles = [
    shared,
    css`
      :host {
        min-height: 100vh;
      }
      .skip {
        position: absolute;
        left: 0.5rem;
        top: -5rem;
        z-index: 10;
      }
      .skip:focus {
        top: 0.5rem;
      }
      .top {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        flex-wrap: wrap;
        padding: 0.5rem 1rem;
        min-height: 3.5rem;
        background: var(--tpc-surface);
        border-bottom: 1px solid var(--tpc-line);
      }
      .brand {
        font-weight: 700;
        font-size: 1.1rem;
        color: var(--tpc-fg);
        text-decoration: none;
      }
      .brand span {
        font-weight: 400;
        color: var(--tpc-muted);
      }
      .body {
        min-height: calc(100vh - 3.5rem);
      }
      .body.nav {
        display: grid;
        grid-template-columns: 16rem minmax(0, 1fr);
      }
      .panel {
        padding: 1rem;
        background: var(--tpc-surface);
        border-right: 1px solid var(--tpc-line);
      }
      .sections {
        list-style: none;
        margin: 1rem 0;
        padding: 0;
      }
      .sections a {
        display: block;
        padding: 0.5rem 0.75rem;
        border-radius: 6px;
        color: var(--tpc-fg);
        text-decoration: none;
      }
      .sections a:hover {
        background: var(--tpc-surface-2);
      }
      .sections a[aria-current='page'] {
        font-weight: 600;
        background: var(--tpc-accent-soft);
        box-shadow: inset 3px 0 0 var(--tpc-accent);
      }
      .prefs {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      .prefs .field {
        margin: 0;
        flex: 1 1 7rem;
      }
      .top .prefs .field {
        flex: 0 1 9rem;
      }
      .account {
        margin-top: 1rem;
        padding-top: 1rem;
        border-top: 1px solid var(--tpc-line);
        overflow-wrap: anywhere;
      }
      .account .row {
        margin-top: 0.5rem;
      }
      main {
        padding: 1.5rem;
        min-width: 0;
        max-width: 76rem;
      }
      main:focus {
        outline: none;
      }
      .menu {
        display: none;
      }
      @media (max-width: 48rem) {
        .body.nav {
          display: block;
        }
        .menu {
          display: inline-flex;
        }
        .panel {
          display: none;
          border-right: 0;
          border-bottom: 1px solid var(--tpc-line);
        }
        .panel.open {
          display: block;
        }
        main {
          padding: 1rem;
        }
      }
    `,
  ];

  static override properties = {
    view: { state: true },
    navOpen: { state: true },
    spoken: { state: true },
    theme: { state: true },
  };

  private view: View = { kind: 'loading' };
  private navOpen = false;
  private spoken = '';
  private theme: Theme = savedTheme();

  private shops: Shop[] | null = null;
  private shopRole: Role | null = null;
  private roles = new Map<number, Role>();
  private signInNotice = '';
  private routeSeq = 0;
  private routed = false;
  private readonly api = createApi({
    token: () => session()?.token ?? null,
    unauthorized: () => void this.signOut('expired'),
  });

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onRoute);
    this.addEventListener('tpc-announce', this.onAnnounce);
    this.addEventListener('tpc-signed-in', this.onSignedIn);
    this.addEventListener('tpc-shop-created', this.onShopCreated);
    void this.onRoute();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onRoute);
    this.removeEventListener('tpc-announce', this.onAnnounce);
    this.removeEventListener('tpc-signed-in', this.onSignedIn);
    this.removeEventListener('tpc-shop-created', this.onShopCreated);
  }

  private onAnnounce = (e: Event) => {
    // Cleared first, so the same sentence twice is read twice.
    this.spoken = '';
    const message = (e as CustomEvent<string>).detail;
    requestAnimationFrame(() => (this.spoken = message));
  };

  private onSignedIn = (e: Event) => {
    startSession((e as CustomEvent<Session>).detail);
    this.signInNotice = '';
    let back = '';
    try {
      back = sessionStorage.getItem(RETURN) ?? '';
      sessionStorage.removeItem(RETURN);
    } catch {
      /* go home */
    }
    // The person went elsewhere while the sign-in was answered (a click, a typed address):
    // that address is theirs, and its hashchange, still to come, routes it signed in.
    const [head] = parseRoute().path;
    if (head !== 'sign-in' && head !== 'set-password') return;
    navigate(back.startsWith('#/shops/') ? back : '#/', { replace: true });
  };

  private onShopCreated = (e: Event) => {
    const shop = (e as CustomEvent<Shop>).detail;
    this.shops = [...(this.shops ?? []), shop];
    navigate(href(['shops', shop.id]));
  };

  /** Follows the URL: signs out, redirects, or mounts the page of the route. */
  private onRoute = async () => {
    const seq = ++this.routeSeq;
    const current = () => seq === this.routeSeq;
    // A redirect replaces the address this route was read from, and only that one: once the
    // person has gone elsewhere (their hashchange may still be queued), where they went wins.
    const from = location.hash;
    const redirect = (to: string) => {
      if (location.hash === from) navigate(to, { replace: true });
    };
    this.navOpen = false;
    const { path, query } = parseRoute(from);
    const [head, id, sectionId = 'start', ...rest] = path;

    if (head === 'sign-in' || head === 'set-password') {
      if (session() && head === 'sign-in') return redirect('#/');
      const el = await this.mount(
        head === 'sign-in' ? 'tpc-sign-in' : 'tpc-set-password',
        () => import('../pages/sign-in.js'),
      );
      if (!current()) return;
      Object.assign(el, {
        api: this.api,
        notice: this.signInNotice,
        token: query.get('token') ?? '',
      });
      return this.settle(
        { kind: 'page', el },
        t(head === 'sign-in' ? 'signin.title' : 'setpw.title'),
      );
    }
    if (!session()) {
      this.remember(from);
      return redirect('#/sign-in');
    }
    if (!this.shops) {
      this.view = { kind: 'loading' };
      try {
        const shops = await all((offset) =>
          must(this.api.GET('/api/shop/shops/', { params: { query: { limit: 100, offset } } })),
        );
        if (!current()) return;
        this.shops = shops;
      } catch (err) {
        if (current() && session()) this.view = { kind: 'failed', failure: err as ApiFailure };
        return;
      }
    }
    const shops = this.shops;

    if (head === 'shops' && id === 'new') {
      const el = await this.mount('tpc-new-shop', () => import('../pages/new-shop.js'));
      if (!current()) return;
      Object.assign(el, { api: this.api, first: shops.length === 0 });
      return this.settle({ kind: 'page', el }, t('shop.newTitle'));
    }
    if (head !== 'shops' || !id) {
      const last = Number(preference(LAST_SHOP));
      const shop = shops.find((s) => s.id === last) ?? shops[0];
      return redirect(shop ? href(['shops', shop.id]) : href(['shops', 'new']));
    }

    const shop = shops.find((s) => String(s.id) === id);
    const section = SECTIONS.find((s) => s.id === sectionId);
    if (!shop || !section) return this.settle({ kind: 'missing' }, t('shell.missingTitle'));
    preference(LAST_SHOP, String(shop.id));
    let role = this.roles.get(shop.id);
    if (!role) {
      try {
        role = await roleIn(this.api, shop.id, session()!.user.id);
      } catch (err) {
        if (current() && session()) this.view = { kind: 'failed', failure: err as ApiFailure };
        return;
      }
      this.roles.set(shop.id, role);
    }
    if (!current()) return;
    this.shopRole = role;
    if (section.ownerOnly && role !== 'owner')
      return this.settle({ kind: 'forbidden', section }, t(section.label), shop);

    const el = await this.mount(section.tag, section.load);
    if (!current()) return;
    el.ctx = {
      api: this.api,
      shop,
      role,
      user: session()!.user,
      rest,
      query,
      link: (to, segments = [], q) => href(['shops', shop.id, to, ...segments], q),
    };
    return this.settle({ kind: 'page', el, section, shop }, t(section.label), shop);
  };

  /** The page element for `tag`, its chunk loaded; the current one when it is the same page. */
  private async mount(tag: string, load: () => Promise<unknown>): Promise<PageHost> {
    if (this.view.kind === 'page' && this.view.el.localName === tag) return this.view.el;
    if (!customElements.get(tag)) {
      this.view = { kind: 'loading' };
      await load();
    }
    return document.createElement(tag);
  }

  /** Shows a view, titles the document, and (after the first view) focuses its heading. */
  private async settle(view: View, title: string, shop?: Shop) {
    this.view = view;
    document.title = [title, shop?.name, 'Touchpoint'].filter(Boolean).join(' · ');
    const first = !this.routed;
    this.routed = true;
    await this.updateComplete;
    const el = view.kind === 'page' ? (view.el as PageHost) : null;
    await el?.updateComplete;
    if (first) return;
    const heading =
      el?.shadowRoot?.querySelector<HTMLElement>('h1') ??
      this.renderRoot.querySelector<HTMLElement>('main h1');
    (heading ?? this.renderRoot.querySelector<HTMLElement>('main'))?.focus();
  }

  /** Keeps the address a signed-out person asked for; the latest one wins (home forgets it). */
  private remember(hash: string) {
    try {
      if (hash.startsWith('#/shops/')) sessionStorage.setItem(RETURN, hash);
      else sessionStorage.removeItem(RETURN);
    } catch {
      /* start at home */
    }
  }

  /**
   * Ends the session: `logout` and `everywhere` ask the relay first (a failure other than
   * 401 is shown, and the person stays signed in); `expired` follows a 401.
   */
  private async signOut(reason: 'logout' | 'everywhere' | 'expired') {
    if (!session()) return;
    if (reason !== 'expired') {
      const path = reason === 'everywhere' ? '/api/auth/logoutall/' : '/api/auth/logout/';
      try {
        await done(this.api.POST(path));
      } catch (err) {
        if (!(err instanceof ApiFailure) || err.status !== 401) {
          this.view = { kind: 'failed', failure: err as ApiFailure };
          return;
        }
      }
    } else this.remember(location.hash);
    // The event streams end with the session (the relay also ends a logged-out token's).
    stopLive();
    endSession();
    this.shops = null;
    this.shopRole = null;
    this.roles.clear();
    this.signInNotice = t(
      reason === 'expired'
        ? 'signin.expired'
        : reason === 'everywhere'
          ? 'signin.loggedOutEverywhere'
          : 'signin.loggedOut',
    );
    this.view = { kind: 'loading' };
    navigate('#/sign-in', { replace: true });
  }

  private onShopPick = (e: Event) => {
    const id = (e.target as HTMLSelectElement).value;
    const section = this.view.kind === 'page' && this.view.section ? this.view.section.id : 'start';
    navigate(href(['shops', id, section]));
  };

  private onLocale = async (e: Event) => {
    await setLocale((e.target as HTMLSelectElement).value as Locale, true);
    if (this.view.kind === 'page')
      document.title = [
        this.view.section ? t(this.view.section.label) : '',
        this.view.shop?.name,
        'Touchpoint',
      ]
        .filter(Boolean)
        .join(' · ');
  };

  private onTheme = (e: Event) => {
    this.theme = (e.target as HTMLSelectElement).value as Theme;
    applyTheme(this.theme, true);
  };

  /** Escape closes the phone-width menu and gives the keyboard back to its button. */
  private onPanelKey = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !this.navOpen) return;
    this.navOpen = false;
    this.renderRoot.querySelector<HTMLElement>('button.menu')?.focus();
  };

  private skip = () => this.renderRoot.querySelector<HTMLElement>('main')?.focus();

  private renderPrefs(where: string) {
    return html`<div class="prefs">
      <div class="field">
        <label for=${`${where}-lang`}>${t('shell.language')}</label>
        <select id=${`${where}-lang`} @change=${this.onLocale}>
          ${Object.entries(LOCALES).map(
            ([code, name]) =>
              html`<option value=${code} lang=${code} ?selected=${code === currentLocale()}>
                ${name}
              </option>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for=${`${where}-theme`}>${t('shell.theme')}</label>
        <select id=${`${where}-theme`} @change=${this.onTheme}>
          ${THEMES.map(
            (theme) =>
              html`<option value=${theme} ?selected=${theme === this.theme}>
                ${t(`theme.${theme}`)}
              </option>`,
          )}
        </select>
      </div>
    </div>`;
  }

  private renderPanel(s: Session) {
    const view = this.view;
    const shop = view.kind === 'page' ? view.shop : undefined;
    const active =
      view.kind === 'page' ? view.section?.id : view.kind === 'forbidden' ? view.section.id : '';
    const owner = this.shopRole === 'owner';
    return html`<nav
      id="panel"
      class="panel ${this.navOpen ? 'open' : ''}"
      aria-label=${t('shell.navigation')}
      @keydown=${this.onPanelKey}
    >
      ${
        this.shops?.length && shop
          ? html`<div class="field">
              <label for="shop">${t('shell.shop')}</label>
              <select id="shop" @change=${this.onShopPick}>
                ${this.shops.map(
                  (s) =>
                    html`<option value=${s.id} ?selected=${s.id === shop.id}>${s.name}</option>`,
                )}
              </select>
            </div>`
          : nothing
      }
      <a href=${href(['shops', 'new'])} class="small">${t('shell.newShop')}</a>
      ${
        shop
          ? html`<ul class="sections">
              ${SECTIONS.filter((sec) => owner || !sec.ownerOnly).map(
                (sec) =>
                  html`<li>
                    <a
                      href=${href(['shops', shop.id, sec.id])}
                      aria-current=${sec.id === active ? 'page' : nothing}
                      >${t(sec.label)}</a
                    >
                  </li>`,
              )}
            </ul>`
          : nothing
      }
      ${this.renderPrefs('nav')}
      <div class="account">
        <p class="small muted">${t('shell.signedInAs', { email: s.user.email })}</p>
        <div class="row">
          <button type="button" @click=${() => this.signOut('logout')}>${t('shell.logout')}</button>
          <button type="button" @click=${() => this.signOut('everywhere')}>
            ${t('shell.logoutAll')}
          </button>
        </div>
      </div>
    </nav>`;
  }

  private renderMain() {
    const view = this.view;
    switch (view.kind) {
      case 'loading':
        return html`<p class="muted" role="status">${t('common.loading')}</p>`;
      case 'page':
        return view.el;
      case 'missing':
        return html`<h1 tabindex="-1">${t('shell.missingTitle')}</h1>
          <p>${t('shell.missingText')}</p>
          <p><a href="#/">${t('shell.home')}</a></p>`;
      case 'forbidden':
        return html`<h1 tabindex="-1">${t(view.section.label)}</h1>
          <p class="notice info">${t('shell.ownersOnly')}</p>`;
      case 'failed':
        return html`<h1 tabindex="-1">${t('shell.failedTitle')}</h1>
          ${failureAlert(view.failure)}
          <button type="button" @click=${() => ((this.shops = null), this.onRoute())}>
            ${t('common.retry')}
          </button>`;
    }
  }

  override render() {
    const s = session();
    const nav =
      !!s &&
      (this.view.kind !== 'page' || !!this.view.shop || this.view.el.localName === 'tpc-new-shop');
    return html`<button type="button" class="skip" @click=${this.skip}>${t('shell.skip')}</button>
      <header class="top">
        <a class="brand" href="#/">Touchpoint <span>${t('shell.console')}</span></a>
        ${
          nav
            ? html`<button
                type="button"
                class="menu"
                aria-expanded=${this.navOpen ? 'true' : 'false'}
                aria-controls="panel"
                @click=${() => (this.navOpen = !this.navOpen)}
              >
                ${t('shell.menu')}
              </button>`
            : this.renderPrefs('top')
        }
      </header>
      <div class="body ${nav ? 'nav' : ''}">
        ${nav ? this.renderPanel(s!) : nothing}
        <main id="main" tabindex="-1">${this.renderMain()}</main>
      </div>
      <div class="visually-hidden" role="status">${this.spoken}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tpc-app': TpcApp;
  }
}
