import type { Order } from '../orders/schemas.js';
import { formatMoney, ORDER_STATUSES, PRODUCTS, type Product } from './catalog.js';
import { fill, html, Html, readShopFile } from './html.js';
import { DEMO_LOGIN } from './seed.js';

/** The demo's pages: a template of demo/shop/ each, inside demo/shop/layout.html. */
export type PageName = 'home' | 'contact' | 'order' | 'manager' | 'missing';

const NAV: { page: PageName; href: string; label: string }[] = [
  { page: 'home', href: '/demo/', label: 'Shop' },
  { page: 'contact', href: '/demo/contact', label: 'Contact' },
  { page: 'manager', href: '/demo/manager', label: 'Manager' },
];

/** A whole page: the layout with the key the widget's script tag carries. */
function layout(dir: string, page: PageName, title: string, key: string, content: Html) {
  const nav = [
    ...NAV.map(
      (n) =>
        html`<a href="${n.href}" aria-current="${n.page === page ? 'page' : 'false'}"
          >${n.label}</a
        >`,
    ),
    html`<a href="/demo/inbox/">Messenger inbox</a>`,
  ];
  return fill(readShopFile(dir, 'layout.html'), { title, key, nav, content });
}

/** A page's own part: its template of demo/shop/ filled in. */
const section = (dir: string, file: string, values: Record<string, unknown> = {}) =>
  new Html(fill(readShopFile(dir, file), values));

/** The illustration of a product: inline SVG, coloured by shop.css (no inline styles). */
function art(p: Product) {
  if (p.art === 'mug')
    return html`<svg class="art art-mug" viewBox="0 0 120 90" aria-hidden="true" focusable="false">
      <rect class="bg" width="120" height="90" rx="10" />
      <path class="steam" d="M50 14c-4 5 4 9 0 14M62 12c-4 5 4 9 0 14" />
      <path class="handle" d="M80 42h5a10 10 0 0 1 0 20h-5" />
      <path class="mug" d="M36 36h44v26a12 12 0 0 1-12 12H48a12 12 0 0 1-12-12z" />
    </svg>`;
  return html`<svg
    class="art art-${p.art}"
    viewBox="0 0 120 90"
    aria-hidden="true"
    focusable="false"
  >
    <rect class="bg" width="120" height="90" rx="10" />
    <path class="bag" d="M42 18h36l5 62H37z" />
    <path class="fold" d="M42 18l3-8h30l3 8z" />
    <rect class="tag" x="48" y="38" width="24" height="22" rx="3" />
    <path class="bean" d="M60 42c4 2 4 12 0 14-4-2-4-12 0-14z" />
  </svg>`;
}

export function homePage(dir: string, key: string) {
  const products = PRODUCTS.map(
    (p) =>
      html`<li class="product card">
        ${art(p)}
        <h3>${p.name}</h3>
        <p>${p.blurb}</p>
        <form class="buy" method="post" action="/demo/api/order">
          <input type="hidden" name="sku" value="${p.sku}" />
          <span class="price">${formatMoney(p.price)}</span>
          <button type="submit" aria-label="${`Buy ${p.name}`}">Buy</button>
        </form>
      </li>`,
  );
  return layout(dir, 'home', 'Coffee', key, section(dir, 'home.html', { products }));
}

export function contactPage(dir: string, key: string) {
  return layout(dir, 'contact', 'Contact', key, section(dir, 'contact.html'));
}

export function orderPage(dir: string, key: string, order: Order) {
  const items = order.items.map(
    (i) =>
      html`<tr>
        <td>${i.name}</td>
        <td>${i.qty}</td>
        <td>${formatMoney(i.price * i.qty, order.currency)}</td>
      </tr>`,
  );
  const content = section(dir, 'order.html', {
    id: order.id,
    number: order.number,
    ref: order.external_id ?? order.number,
    // What the buyer's page hands to <tp-subscribe order-ref>: never the number or the id.
    optin_ref: order.optin_ref,
    status: order.status,
    placed: new Date(order.created_at).toUTCString().slice(0, 22),
    items,
    total: formatMoney(order.total, order.currency),
  });
  return layout(dir, 'order', `Order #${order.number}`, key, content);
}

export function managerPage(dir: string, key: string, orders: Order[], publicUrl: string) {
  const rows = orders.map(
    (o) =>
      html`<tr>
        <td>
          <a href="${`/demo/order/${encodeURIComponent(o.external_id ?? o.number)}`}"
            >#${o.number}</a
          >
        </td>
        <td>${o.items.map((i) => `${i.qty} × ${i.name}`).join(', ')}</td>
        <td>${formatMoney(o.total, o.currency)}</td>
        <td>
          ${o.subscribers_count === 1 ? '1 subscriber' : `${o.subscribers_count} subscribers`}
        </td>
        <td>
          <form class="status-form" method="post" action="${`/demo/api/orders/${o.id}/status`}">
            <label class="visually-hidden" for="${`status-${o.id}`}"
              >Status of order #${o.number}</label
            >
            <select id="${`status-${o.id}`}" name="status">
              ${statusOptions(o.status)}
            </select>
            <button type="submit">Update</button>
          </form>
        </td>
      </tr>`,
  );
  const table = orders.length
    ? html`<table class="orders">
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Items</th>
            <th scope="col">Total</th>
            <th scope="col">Buyers following</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`
    : html`<p class="empty">No orders yet: <a href="/demo/">buy something</a> first.</p>`;
  const content = section(dir, 'manager.html', {
    orders: table,
    public_url: publicUrl,
    email: DEMO_LOGIN.email,
    password: DEMO_LOGIN.password,
  });
  return layout(dir, 'manager', 'Manager panel', key, content);
}

/** The order's status first selected; a status set through the API is offered too. */
function statusOptions(current: string) {
  const statuses: string[] = [...ORDER_STATUSES];
  if (!statuses.includes(current)) statuses.push(current);
  return statuses.map(
    (s) => html`<option value="${s}" ${s === current ? html`selected` : ''}>${s}</option>`,
  );
}

/** What a demo page shows when the demo shop or the order is not there. */
export function missingPage(dir: string, key: string, title: string, text: string) {
  return layout(
    dir,
    'missing',
    title,
    key,
    html`<section>
      <h1>${title}</h1>
      <p class="lead">${text}</p>
      <p><a href="/demo/">Back to the shop</a></p>
    </section>`,
  );
}

/** Demo mode on a database without the demo shop (it is seeded on an empty database only). */
export function noShopPage() {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>No demo shop · Touchpoint</title>
        <link rel="stylesheet" href="/demo/shop.css" />
      </head>
      <body>
        <main class="wrap">
          <h1>There is no demo shop here</h1>
          <p class="lead">
            The demo shop is seeded when the relay starts in demo mode on an empty database: run
            <code>npm start</code> with a new <code>TOUCHPOINT_DB</code>.
          </p>
        </main>
      </body>
    </html>`.value;
}
