import type { PropertyDeclarations } from 'lit';
import type { Api, Role, Schemas } from '../api/client.js';
import type { TextKey } from '../i18n/i18n.js';
import { ConsoleElement } from './element.js';
import type { Query } from './router.js';

export type Shop = Schemas['Shop'];

/** What the shell hands the page of a shop's section. */
export type PageContext = {
  api: Api;
  shop: Shop;
  role: Role;
  user: { id: number; email: string };
  /** The route's segments after the section: `#/shops/1/leads/34` → `['34']`. */
  rest: string[];
  query: URLSearchParams;
  /** A link inside this shop: `link('leads', [34])` → `#/shops/1/leads/34`. */
  link(section: string, rest?: (string | number)[], query?: Query): string;
};

/** A section of the console (one chunk, loaded when first opened), registered in sections.ts. */
export type Section = {
  id: string;
  label: TextKey;
  /** The custom element the chunk defines; it receives a PageContext as `ctx`. */
  tag: string;
  /** Hidden from managers (DESIGN.md "Roles"): the API refuses them anyway. */
  ownerOnly?: boolean;
  load: () => Promise<unknown>;
};

/**
 * A page of a shop: `ctx` is set by the shell before the first render and replaced on each
 * route change inside the section. Pages render an `<h1 tabindex="-1">` first thing, which
 * the shell focuses after navigation so screen readers announce the new view.
 */
export class PageElement extends ConsoleElement {
  static override properties: PropertyDeclarations = { ctx: { attribute: false } };

  ctx!: PageContext;

  protected get shopId() {
    return this.ctx.shop.id;
  }

  protected get isOwner() {
    return this.ctx.role === 'owner';
  }
}
