import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../../helpers/engine.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';
import { eventually } from '../webhooks/receiver.js';

describe('the shop event log', () => {
  let relay: Relay;
  let shopId: number;
  beforeAll(async () => {
    relay = await startRelay();
    shopId = (await userWithShop(relay, 'Log')).shop.id;
  });
  afterAll(() => relay.close());

  /**
   * The events after `start` once `n` of them are final. On PostgreSQL an event is read once
   * every older transaction of the whole server has ended, and the suites share one server:
   * another suite's open transaction may hold these back for a moment.
   */
  const final = (start: { tx: number; id: number }, n: number) =>
    eventually(async () => {
      const events = await relay.stores.eventLog.after(start, 10, shopId);
      return events.length >= n && events;
    }, 10_000);

  it('reads events after a position, oldest first, and finds an event’s position by id', async () => {
    const log = relay.stores.eventLog;
    const start = await log.head();
    for (const id of [1, 2, 3])
      await relay.db.tx((tx) => log.appendInTx(tx, shopId, 'lead.created', { lead_id: id }));
    const events = await final(start, 3);
    expect(events.map((e) => e.data.lead_id)).toEqual([1, 2, 3]);
    expect(await log.after(start, 2)).toHaveLength(2);
    expect(await log.cursorOf(events[1].id, shopId)).toEqual({
      tx: events[1].tx,
      id: events[1].id,
    });
    expect(await log.cursorOf(events[1].id, shopId + 1000)).toBeUndefined();
    expect((await log.after(events[1], 10, shopId)).map((e) => e.data.lead_id)).toEqual([3]);
  });

  it('forgets events older than the retention', async () => {
    const log = relay.stores.eventLog;
    await relay.db.tx((tx) => log.appendInTx(tx, shopId, 'lead.created', { lead_id: 9 }));
    expect(await log.prune(new Date(Date.now() + 60_000).toISOString())).toBeGreaterThan(0);
    expect(await log.after({ tx: 0, id: 0 }, 10, shopId)).toEqual([]);
  });

  // Two write transactions at once exist on PostgreSQL only (SQLite has one writer).
  it.skipIf(!onPostgres)(
    'never skips an event whose transaction commits after a later event’s (PostgreSQL)',
    async () => {
      const log = relay.stores.eventLog;
      const start = await log.head();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const first = new Promise<void>((r) => (inserted = r));
      // The first event gets the lower id, and its transaction stays open…
      const slow = relay.db.tx(async (tx) => {
        await log.appendInTx(tx, shopId, 'lead.created', { lead_id: 101 });
        inserted();
        await gate;
      });
      await first;
      // …while a later one commits.
      await relay.db.tx((tx) => log.appendInTx(tx, shopId, 'lead.created', { lead_id: 102 }));
      // Reading now must not pass the open transaction's event: a reader that took 102 and
      // moved its position past it would never see 101.
      expect(await log.after(start, 10, shopId)).toEqual([]);
      release();
      await slow;
      const events = await final(start, 2);
      expect(events.map((e) => e.data.lead_id)).toEqual([101, 102]);
    },
  );
});
