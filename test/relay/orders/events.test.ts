import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../relay/db/events.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('order events', () => {
  let relay: Relay;
  let a: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
  });
  afterAll(() => relay.close());

  it('emits order.created and order.status_changed inside the write transaction', async () => {
    const seen: { event: DomainEvent; inTransaction: boolean }[] = [];
    const off = relay.stores.events.on(async (tx, event) => {
      seen.push({ event, inTransaction: tx.inTransaction });
    });
    const orders = relay.stores.orders;
    const { order } = await orders.upsert(a.shop.id, { external_id: 'e-1', number: '1' });
    await orders.upsert(a.shop.id, { external_id: 'e-1', number: '1', status: 'paid' });
    await orders.update(order.id, { status: 'paid', total: 5 });
    await orders.update(order.id, { status: 'shipped' });
    off();
    await orders.update(order.id, { status: 'delivered' });

    expect(seen.map((s) => [s.event.name, s.inTransaction])).toEqual([
      ['order.created', true],
      ['order.status_changed', true],
      ['order.status_changed', true],
    ]);
    expect(seen[2].event).toMatchObject({
      name: 'order.status_changed',
      shop_id: a.shop.id,
      previous_status: 'paid',
      order: { id: order.id, status: 'shipped', total: 5 },
    });
  });

  it('rolls the order back when a handler fails, so no order exists without its outbox rows', async () => {
    const off = relay.stores.events.on(async () => {
      throw new Error('outbox full');
    });
    await expect(relay.stores.orders.upsert(a.shop.id, { number: 'lost' })).rejects.toThrow(
      'outbox full',
    );
    off();
    const { count } = await relay.stores.orders.list(
      a.shop.id,
      { search: 'lost' },
      { limit: 10, offset: 0 },
    );
    expect(count).toBe(0);
  });
});
