import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../relay/db/events.js';
import type { Tx } from '../../../relay/db/sql.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('lead events', () => {
  let relay: Relay;
  let a: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
  });
  afterAll(() => relay.close());

  it('emits lead.created inside the transaction, and nothing for spam', async () => {
    const seen: { event: DomainEvent; inTransaction: boolean }[] = [];
    const off = relay.stores.events.on(async (tx, event) => {
      seen.push({ event, inTransaction: tx.inTransaction });
    });
    const lead = await relay.stores.leads.create({ shop_id: a.shop.id, fields: { n: 1 } });
    await relay.stores.leads.create({ shop_id: a.shop.id, fields: { n: 2 }, spam: true });
    off();
    expect(seen).toEqual([
      { event: { name: 'lead.created', shop_id: a.shop.id, lead }, inTransaction: true },
    ]);
  });

  it('stores no lead when a handler fails', async () => {
    const off = relay.stores.events.on(async () => {
      throw new Error('outbox full');
    });
    await expect(
      relay.stores.leads.create({ shop_id: a.shop.id, fields: { lost: true } }),
    ).rejects.toThrow('outbox full');
    off();
    const { rows } = await relay.stores.leads.list(
      a.shop.id,
      { spam: false },
      { limit: 100, offset: 0 },
    );
    expect(rows.some((l) => l.fields.lost)).toBe(false);
  });

  it('refuses to emit outside a transaction', async () => {
    await expect(
      relay.stores.events.emit(relay.db as unknown as Tx, {
        name: 'order.created',
        shop_id: 1,
        order: {} as never,
      }),
    ).rejects.toThrow('outside a transaction');
  });
});
