import { randomBytes } from 'node:crypto';
import type { Events } from '../db/events.js';
import { fromJson, now, type Db } from '../db/open.js';
import type { PageQuery } from '../http/pagination.js';
import type { Customer, Order, OrderFilter, OrderItem } from './schemas.js';
import { sumItems } from './totals.js';

type Row = {
  id: number;
  shop_id: number;
  external_id: string | null;
  number: string;
  optin_ref: string;
  status: string;
  customer: string;
  total: number;
  currency: string;
  subscribers_count: number;
  created_at: string;
  updated_at: string;
};
type ItemRow = OrderItem & { order_id: number };
type HistoryRow = { order_id: number; status: string; created_at: string };

/** What a create or update may carry; absent keys keep their value on update. */
export type OrderWrite = {
  external_id?: string | null;
  number?: string;
  status?: string;
  customer?: Partial<Customer>;
  items?: OrderItem[];
  total?: number;
  currency?: string;
};
export type NewOrder = OrderWrite & { number: string };

const SELECT = `SELECT o.*,
  (SELECT count(*) FROM bot_user_orders b WHERE b.order_id = o.id) AS subscribers_count
  FROM orders o`;
const FILTER = `o.shop_id = @shop_id
  AND (@status IS NULL OR o.status = @status)
  AND (@external_id IS NULL OR o.external_id = @external_id)
  AND (@like IS NULL OR o.number LIKE @like ESCAPE '\\'
    OR json_extract(o.customer, '$.name') LIKE @like ESCAPE '\\'
    OR json_extract(o.customer, '$.phone') LIKE @like ESCAPE '\\'
    OR json_extract(o.customer, '$.email') LIKE @like ESCAPE '\\')`;
type FilterParams = {
  shop_id: number;
  status: string | null;
  external_id: string | null;
  like: string | null;
};

/**
 * Orders with their items and status history. Create and update are single transactions
 * that emit `order.created` / `order.status_changed` (relay/db/events.ts) before commit.
 */
export function createOrderStore(db: Db, events: Events) {
  const q = {
    insert: db.prepare<Omit<Row, 'id' | 'subscribers_count'>, { id: number }>(
      `INSERT INTO orders (shop_id, external_id, number, optin_ref, status, customer, total,
         currency, created_at, updated_at)
       VALUES (@shop_id, @external_id, @number, @optin_ref, @status, @customer, @total,
         @currency, @created_at, @updated_at) RETURNING id`,
    ),
    update: db.prepare<Omit<Row, 'shop_id' | 'optin_ref' | 'subscribers_count' | 'created_at'>>(
      `UPDATE orders SET external_id = @external_id, number = @number, status = @status,
         customer = @customer, total = @total, currency = @currency, updated_at = @updated_at
       WHERE id = @id`,
    ),
    get: db.prepare<[number], Row>(`${SELECT} WHERE o.id = ?`),
    byExternalId: db.prepare<{ shop_id: number; external_id: string }, Row>(
      `${SELECT} WHERE o.shop_id = @shop_id AND o.external_id = @external_id`,
    ),
    list: db.prepare<FilterParams & PageQuery, Row>(
      `${SELECT} WHERE ${FILTER} ORDER BY o.id DESC LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<FilterParams, { n: number }>(
      `SELECT count(*) AS n FROM orders o WHERE ${FILTER}`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM orders WHERE id = ?`),
    deleteItems: db.prepare<[number]>(`DELETE FROM order_items WHERE order_id = ?`),
    insertItem: db.prepare<ItemRow & { position: number }>(
      `INSERT INTO order_items (order_id, position, sku, name, qty, price)
       VALUES (@order_id, @position, @sku, @name, @qty, @price)`,
    ),
    items: db.prepare<[string], ItemRow>(
      `SELECT order_id, sku, name, qty, price FROM order_items
       WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, position`,
    ),
    addHistory: db.prepare<HistoryRow>(
      `INSERT INTO order_status_history (order_id, status, created_at)
       VALUES (@order_id, @status, @created_at)`,
    ),
    history: db.prepare<[string], HistoryRow>(
      `SELECT order_id, status, created_at FROM order_status_history
       WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, id`,
    ),
  };

  /** Rows to API objects, with items and history fetched for the whole page at once. */
  const toOrders = (rows: Row[]): Order[] => {
    const ids = JSON.stringify(rows.map((r) => r.id));
    const items = groupBy(q.items.all(ids));
    const history = groupBy(q.history.all(ids));
    return rows.map((r) => ({
      id: r.id,
      shop_id: r.shop_id,
      external_id: r.external_id,
      number: r.number,
      optin_ref: r.optin_ref,
      status: r.status,
      customer: fromJson(r.customer, { name: '', phone: '', email: '' }),
      items: (items.get(r.id) ?? []).map((i) => ({
        sku: i.sku,
        name: i.name,
        qty: i.qty,
        price: i.price,
      })),
      total: r.total,
      currency: r.currency,
      status_history: (history.get(r.id) ?? []).map((h) => ({
        status: h.status,
        at: h.created_at,
      })),
      subscribers_count: r.subscribers_count,
      created_at: r.created_at,
      updated_at: r.updated_at,
    }));
  };
  const load = (id: number): Order | undefined => {
    const row = q.get.get(id);
    return row && toOrders([row])[0];
  };

  const replaceItems = (orderId: number, items: OrderItem[]) => {
    q.deleteItems.run(orderId);
    items.forEach((item, position) => q.insertItem.run({ order_id: orderId, position, ...item }));
  };

  const insert = (shopId: number, input: NewOrder, defaultCurrency: string): Order => {
    const at = now();
    const currency = input.currency ?? defaultCurrency;
    const items = input.items ?? [];
    const status = input.status ?? 'new';
    const { id } = q.insert.get({
      shop_id: shopId,
      external_id: input.external_id ?? null,
      number: input.number,
      optin_ref: newOptinRef(),
      status,
      customer: JSON.stringify(mergeCustomer({ name: '', phone: '', email: '' }, input.customer)),
      total: input.total ?? sumItems(items, currency),
      currency,
      created_at: at,
      updated_at: at,
    })!;
    replaceItems(id, items);
    q.addHistory.run({ order_id: id, status, created_at: at });
    const order = load(id)!;
    events.emit({ name: 'order.created', shop_id: shopId, order });
    return order;
  };

  const change = (current: Row, input: OrderWrite): Order => {
    const at = now();
    const currency = input.currency ?? current.currency;
    const status = input.status ?? current.status;
    const customer = mergeCustomer(fromJson(current.customer, {}), input.customer);
    q.update.run({
      id: current.id,
      external_id: input.external_id === undefined ? current.external_id : input.external_id,
      number: input.number ?? current.number,
      status,
      customer: JSON.stringify(customer),
      total: input.total ?? (input.items ? sumItems(input.items, currency) : current.total),
      currency,
      updated_at: at,
    });
    if (input.items) replaceItems(current.id, input.items);
    if (status !== current.status)
      q.addHistory.run({ order_id: current.id, status, created_at: at });
    const order = load(current.id)!;
    if (status !== current.status)
      events.emit({
        name: 'order.status_changed',
        shop_id: current.shop_id,
        order,
        previous_status: current.status,
      });
    return order;
  };

  const upsertTx = db.transaction((shopId: number, input: NewOrder, defaultCurrency: string) => {
    const existing =
      input.external_id == null
        ? undefined
        : q.byExternalId.get({ shop_id: shopId, external_id: input.external_id });
    return existing
      ? { order: change(existing, input), created: false }
      : { order: insert(shopId, input, defaultCurrency), created: true };
  });
  const updateTx = db.transaction((id: number, input: OrderWrite) => {
    const current = q.get.get(id);
    return current && change(current, input);
  });

  return {
    /**
     * Creates an order, or updates the shop's order with the same `external_id` (so a
     * backend that repeats its call gets one order). `created` tells which happened.
     */
    async upsert(
      shopId: number,
      input: NewOrder,
      defaultCurrency = 'USD',
    ): Promise<{ order: Order; created: boolean }> {
      return upsertTx.immediate(shopId, input, defaultCurrency);
    },

    async get(id: number): Promise<Order | undefined> {
      return load(id);
    },

    async byExternalId(shopId: number, externalId: string): Promise<Order | undefined> {
      const row = q.byExternalId.get({ shop_id: shopId, external_id: externalId });
      return row && toOrders([row])[0];
    },

    async list(
      shopId: number,
      filter: OrderFilter,
      page: PageQuery,
    ): Promise<{ count: number; rows: Order[] }> {
      const params: FilterParams = {
        shop_id: shopId,
        status: filter.status ?? null,
        external_id: filter.external_id ?? null,
        like: filter.search ? `%${filter.search.replace(/[\\%_]/g, '\\$&')}%` : null,
      };
      return {
        count: q.count.get(params)!.n,
        rows: toOrders(q.list.all({ ...params, ...page })),
      };
    },

    async update(id: number, input: OrderWrite): Promise<Order | undefined> {
      return updateTx.immediate(id, input);
    },

    /** Items, history and subscriptions go with the order (ON DELETE CASCADE). */
    async delete(id: number): Promise<boolean> {
      return q.delete.run(id).changes > 0;
    },
  };
}
export type OrderStore = ReturnType<typeof createOrderStore>;

/**
 * What the buyer's order page passes to the public opt-in (`<tp-subscribe order-ref>`): 16
 * random bytes in base64url, 22 characters. Unguessable, unlike the order's number or the
 * shop's external id, so a publishable key alone cannot subscribe anyone to an order.
 */
const newOptinRef = () => randomBytes(16).toString('base64url');

function groupBy<T extends { order_id: number }>(rows: T[]): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const row of rows) {
    const list = map.get(row.order_id);
    if (list) list.push(row);
    else map.set(row.order_id, [row]);
  }
  return map;
}

/** Keys given replace keys stored; keys left out (undefined) keep their value. */
function mergeCustomer(current: Partial<Customer>, input: Partial<Customer> = {}): Customer {
  return {
    name: input.name ?? current.name ?? '',
    phone: input.phone ?? current.phone ?? '',
    email: input.email ?? current.email ?? '',
  };
}
