import { randomBytes } from 'node:crypto';
import type { Events } from '../db/events.js';
import { dialect, type Dialect } from '../db/dialect.js';
import { fromJson, now, type Db } from '../db/open.js';
import { sql, type Queryable, type Tx } from '../db/sql.js';
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
// Search: case-insensitive on both engines (SQLite's LIKE folds ASCII, PostgreSQL's ILIKE all).
// `@p IS NULL` comes after a comparison that types `@p`: PostgreSQL cannot type a parameter
// it meets first in `IS NULL`.
const filter = (d: Dialect) => `o.shop_id = @shop_id
  AND (o.status = @status OR @status IS NULL)
  AND (o.external_id = @external_id OR @external_id IS NULL)
  AND (o.number ${d.likeNoCase} @like ESCAPE '\\'
    OR ${d.jsonText('o.customer', 'name')} ${d.likeNoCase} @like ESCAPE '\\'
    OR ${d.jsonText('o.customer', 'phone')} ${d.likeNoCase} @like ESCAPE '\\'
    OR ${d.jsonText('o.customer', 'email')} ${d.likeNoCase} @like ESCAPE '\\'
    OR @like IS NULL)`;
type FilterParams = {
  shop_id: number;
  status: string | null;
  external_id: string | null;
  like: string | null;
};
/** An order row as read for a change (without its computed columns). */
type Locked = Omit<Row, 'subscribers_count'>;

/**
 * Orders with their items and status history. Create and update are single transactions
 * that emit `order.created` / `order.status_changed` (relay/db/events.ts) before commit.
 */
export function createOrderStore(db: Db, events: Events) {
  const d = dialect(db.engine);
  const q = {
    // Does nothing when a concurrent upsert inserted the same external_id first (upsert
    // then changes that order instead).
    insert: sql<Omit<Row, 'id' | 'subscribers_count'>, { id: number }>(
      `INSERT INTO orders (shop_id, external_id, number, optin_ref, status, customer, total,
         currency, created_at, updated_at)
       VALUES (@shop_id, @external_id, @number, @optin_ref, @status, @customer, @total,
         @currency, @created_at, @updated_at)
       ON CONFLICT (shop_id, external_id) DO NOTHING RETURNING id`,
    ),
    update: sql<Omit<Row, 'shop_id' | 'optin_ref' | 'subscribers_count' | 'created_at'>, never>(
      `UPDATE orders SET external_id = @external_id, number = @number, status = @status,
         customer = @customer, total = @total, currency = @currency, updated_at = @updated_at
       WHERE id = @id`,
    ),
    get: sql<number, Row>(`${SELECT} WHERE o.id = ?`),
    byExternalId: sql<{ shop_id: number; external_id: string }, Row>(
      `${SELECT} WHERE o.shop_id = @shop_id AND o.external_id = @external_id`,
    ),
    // Read-modify-write (status transitions, the merge of customer fields): the order stays
    // locked until it is written back (PostgreSQL; SQLite's one writer holds it anyway).
    lock: sql<number, Locked>(`SELECT * FROM orders WHERE id = ?${d.forUpdate}`),
    lockByExternalId: sql<{ shop_id: number; external_id: string }, Locked>(
      `SELECT * FROM orders WHERE shop_id = @shop_id AND external_id = @external_id${d.forUpdate}`,
    ),
    list: sql<FilterParams & PageQuery, Row>(
      `${SELECT} WHERE ${filter(d)} ORDER BY o.id DESC LIMIT @limit OFFSET @offset`,
    ),
    count: sql<FilterParams, { n: number }>(
      `SELECT count(*) AS n FROM orders o WHERE ${filter(d)}`,
    ),
    delete: sql<number, never>(`DELETE FROM orders WHERE id = ?`),
    deleteItems: sql<number, never>(`DELETE FROM order_items WHERE order_id = ?`),
    insertItem: sql<ItemRow & { position: number }, never>(
      `INSERT INTO order_items (order_id, position, sku, name, qty, price)
       VALUES (@order_id, @position, @sku, @name, @qty, @price)`,
    ),
    items: sql<string, ItemRow>(
      `SELECT order_id, sku, name, qty, price FROM order_items
       WHERE order_id IN ${d.ids('?')} ORDER BY order_id, position`,
    ),
    addHistory: sql<HistoryRow, never>(
      `INSERT INTO order_status_history (order_id, status, created_at)
       VALUES (@order_id, @status, @created_at)`,
    ),
    history: sql<string, HistoryRow>(
      `SELECT order_id, status, created_at FROM order_status_history
       WHERE order_id IN ${d.ids('?')} ORDER BY order_id, id`,
    ),
  };

  /** Rows to API objects, with items and history fetched for the whole page at once. */
  const toOrders = async (c: Queryable, rows: Row[]): Promise<Order[]> => {
    if (!rows.length) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const items = groupBy(await c.all(q.items, ids));
    const history = groupBy(await c.all(q.history, ids));
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
  const load = async (c: Queryable, id: number): Promise<Order | undefined> => {
    const row = await c.get(q.get, id);
    return row && (await toOrders(c, [row]))[0];
  };

  const replaceItems = async (tx: Tx, orderId: number, items: OrderItem[]) => {
    await tx.run(q.deleteItems, orderId);
    for (const [position, item] of items.entries())
      await tx.run(q.insertItem, { order_id: orderId, position, ...item });
  };

  /** Inserts the order; undefined when its external_id was inserted meanwhile. */
  const insert = async (
    tx: Tx,
    shopId: number,
    input: NewOrder,
    defaultCurrency: string,
  ): Promise<Order | undefined> => {
    const at = now();
    const currency = input.currency ?? defaultCurrency;
    const items = input.items ?? [];
    const status = input.status ?? 'new';
    const inserted = await tx.get(q.insert, {
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
    });
    if (!inserted) return undefined;
    await replaceItems(tx, inserted.id, items);
    await tx.run(q.addHistory, { order_id: inserted.id, status, created_at: at });
    const order = (await load(tx, inserted.id))!;
    await events.emit(tx, { name: 'order.created', shop_id: shopId, order });
    return order;
  };

  /** Writes `input` over `current`, which the caller read locked in this transaction. */
  const change = async (tx: Tx, current: Locked, input: OrderWrite): Promise<Order> => {
    const at = now();
    const currency = input.currency ?? current.currency;
    const status = input.status ?? current.status;
    const customer = mergeCustomer(fromJson(current.customer, {}), input.customer);
    await tx.run(q.update, {
      id: current.id,
      external_id: input.external_id === undefined ? current.external_id : input.external_id,
      number: input.number ?? current.number,
      status,
      customer: JSON.stringify(customer),
      total: input.total ?? (input.items ? sumItems(input.items, currency) : current.total),
      currency,
      updated_at: at,
    });
    if (input.items) await replaceItems(tx, current.id, input.items);
    if (status !== current.status)
      await tx.run(q.addHistory, { order_id: current.id, status, created_at: at });
    const order = (await load(tx, current.id))!;
    if (status !== current.status)
      await events.emit(tx, {
        name: 'order.status_changed',
        shop_id: current.shop_id,
        order,
        previous_status: current.status,
      });
    return order;
  };

  /**
   * Changes the shop's order with `input.external_id`, or inserts it. With several writers
   * (PostgreSQL) the existing order is read locked, and an insert that meets a concurrent
   * insert of the same external_id (ON CONFLICT DO NOTHING waits for it to commit) changes
   * that order instead: one order per external_id, whichever call came first.
   */
  const upsertInTx = async (tx: Tx, shopId: number, input: NewOrder, defaultCurrency: string) => {
    const byExternal =
      input.external_id == null ? null : { shop_id: shopId, external_id: input.external_id };
    const existing = byExternal && (await tx.get(q.lockByExternalId, byExternal));
    if (existing) return { order: await change(tx, existing, input), created: false };
    const order = await insert(tx, shopId, input, defaultCurrency);
    if (order) return { order, created: true };
    const winner = (await tx.get(q.lockByExternalId, byExternal!))!;
    return { order: await change(tx, winner, input), created: false };
  };

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
      return db.tx((tx) => upsertInTx(tx, shopId, input, defaultCurrency));
    },

    async get(id: number): Promise<Order | undefined> {
      return load(db, id);
    },

    async byExternalId(shopId: number, externalId: string): Promise<Order | undefined> {
      const row = await db.get(q.byExternalId, { shop_id: shopId, external_id: externalId });
      return row && (await toOrders(db, [row]))[0];
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
      const [count, rows] = await Promise.all([
        db.value(q.count, params),
        db.all(q.list, { ...params, ...page }),
      ]);
      return { count: count ?? 0, rows: await toOrders(db, rows) };
    },

    async update(id: number, input: OrderWrite): Promise<Order | undefined> {
      return db.tx(async (tx) => {
        const current = await tx.get(q.lock, id);
        return current && change(tx, current, input);
      });
    },

    /** Items, history and subscriptions go with the order (ON DELETE CASCADE). */
    async delete(id: number): Promise<boolean> {
      return (await db.run(q.delete, id)).changes > 0;
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
