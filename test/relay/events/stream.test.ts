import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, testDatabase, type TestDatabase } from '../../helpers/engine.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { openStream, type Stream } from '../../helpers/sse.js';

/** Short beats and polls, so that ends and other relays' events are seen within a test. */
const FAST = { events: { pollMs: 100, heartbeatMs: 200 } };

const lead = async (relay: Relay, owner: Owner, name: string) => {
  const r = await relay.api.post(
    '/api/store/leads/',
    { shop_id: owner.shop.id, fields: { name } },
    { token: owner.token },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.result as { id: number };
};

describe('the shop event stream', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  const open: Stream[] = [];
  const stream = async (owner: { token: string; shop: { id: number } }, opts = {}, query = '') => {
    const s = await openStream(`${relay.url}/api/events/stream/?shop_id=${owner.shop.id}${query}`, {
      token: owner.token,
      ...opts,
    });
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    relay = await startRelay({}, FAST);
    a = await userWithShop(relay, 'Stream A');
    b = await userWithShop(relay, 'Stream B');
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(() => relay.close());

  it('sends only the shop’s own events, each with its id and the object it is about', async () => {
    const s = await stream(a);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.headers.get('cache-control')).toBe('no-cache');
    await s.next('ready');
    await lead(relay, b, 'Not yours');
    const mine = await lead(relay, a, 'Ann');
    const e = await s.next();
    expect(e.event).toBe('lead.created');
    expect(e.id).toMatch(/^\d+$/);
    expect(e.json).toMatchObject({
      id: Number(e.id),
      type: 'lead.created',
      shop_id: a.shop.id,
      data: { id: mine.id, shop_id: a.shop.id, fields: { name: 'Ann' } },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.events.filter((x) => x.event === 'lead.created')).toHaveLength(1);
  });

  it('refuses a missing token (401), another shop (404), an unknown type (400)', async () => {
    const none = await openStream(`${relay.url}/api/events/stream/?shop_id=${a.shop.id}`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const other = await openStream(`${relay.url}/api/events/stream/?shop_id=${b.shop.id}`, {
      token: a.token,
    });
    expect(other.status).toBe(404);
    const typo = await openStream(
      `${relay.url}/api/events/stream/?shop_id=${a.shop.id}&types=lead.made`,
      { token: a.token },
    );
    expect(typo.status).toBe(400);
    expect(typo.body.errors.types).toEqual(['Unknown event type: lead.made.']);
  });

  it('catches up from Last-Event-ID: what happened while disconnected comes in order, once', async () => {
    const first = await stream(a);
    await lead(relay, a, 'Before');
    const seen = await first.next('lead.created');
    first.close();
    const missed = [await lead(relay, a, 'Missed 1'), await lead(relay, a, 'Missed 2')];
    const again = await stream(a, { lastEventId: seen.id });
    const got = [await again.next('lead.created'), await again.next('lead.created')];
    expect(got.map((e) => e.json.data.id)).toEqual(missed.map((l) => l.id));
    expect(Number(got[0].id)).toBeGreaterThan(Number(seen.id));
    const live = await lead(relay, a, 'Live');
    expect((await again.next('lead.created')).json.data.id).toBe(live.id);
    expect(again.events.filter((e) => e.event === 'lead.created')).toHaveLength(3);
  });

  it('says reset for a last event id it does not know (another shop’s, or pruned)', async () => {
    const bs = await stream(b);
    await lead(relay, b, 'B');
    const theirs = await bs.next('lead.created');
    const s = await stream(a, { lastEventId: theirs.id });
    await s.next('reset');
    const gone = await stream(a, { lastEventId: '999999' });
    await gone.next('reset');
    // The stream goes on from now.
    const l = await lead(relay, a, 'After the reset');
    expect((await gone.next('lead.created')).json.data.id).toBe(l.id);
  });

  it('filters by type', async () => {
    const s = await stream(a, {}, '&types=order.created');
    await lead(relay, a, 'Ignored');
    const order = await relay.api.post(
      '/api/store/orders/',
      { shop_id: a.shop.id, external_id: 'S-1', number: '1', items: [] },
      { token: a.token },
    );
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    const e = await s.next();
    expect(e.event).toBe('order.created');
    expect(e.json.data.number).toBe('1');
  });

  it('ends at once when its token logs out, and at the next beat when access is removed', async () => {
    const token = await relay.stores.users.issueToken(a.user.id);
    const s = await stream({ token, shop: a.shop });
    await s.next('ready');
    const out = await relay.api.post('/api/auth/logout/', undefined, { token });
    expect(out.status).toBe(200);
    expect((await s.next('end', 2_000)).json).toEqual({ reason: 'logged out' });
    await s.closed;

    // A manager removed from the shop: the heartbeat's check ends the stream.
    const invited = await relay.api.post(
      '/api/shop/members/',
      { shop_id: a.shop.id, email: `m-${Date.now()}@example.test`, role: 'manager' },
      { token: a.token },
    );
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    const manager = invited.body.result;
    const managerToken = await relay.stores.users.issueToken(manager.user_id);
    const m = await stream({ token: managerToken, shop: a.shop });
    await m.next('ready');
    await lead(relay, a, 'Seen by the manager');
    await m.next('lead.created');
    const removed = await relay.api.delete(
      `/api/shop/members/${manager.id}/?shop_id=${a.shop.id}`,
      { token: a.token },
    );
    expect(removed.status).toBe(200);
    expect((await m.next('end', 3_000)).json).toEqual({ reason: 'access removed' });
    await m.closed;
  });

  it('keeps idle streams alive with comment lines', async () => {
    const s = await stream(a);
    await s.next('ready');
    await new Promise((r) => setTimeout(r, 500));
    expect(s.comments).toContain(': heartbeat');
  });

  it('lets a shop key follow its own shop without naming it', async () => {
    const key = await relay.api.post(
      '/api/shop/keys/',
      { shop_id: a.shop.id, kind: 'secret', name: 'backend' },
      { token: a.token },
    );
    const s = await openStream(`${relay.url}/api/events/stream/`, { token: key.body.result.key });
    open.push(s);
    expect(s.status).toBe(200);
    await s.next('ready');
    const l = await lead(relay, a, 'For the backend');
    expect((await s.next('lead.created')).json.data.id).toBe(l.id);
  });
});

describe('the shop event stream across relays', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase({ prefix: 'stream' });
  });
  afterAll(() => database?.drop());

  /** A relay on the shared database; `slow`: its own poll takes a minute. */
  const relayOn = (slow = false) =>
    startRelay(
      { ...database.config },
      slow ? { events: { pollMs: 60_000, heartbeatMs: 200 } } : FAST,
    );
  /** An owner's stream of their shop on `relay`, once it is live. */
  const follow = async (relay: Relay, owner: Owner, lastEventId?: string) => {
    const s = await openStream(`${relay.url}/api/events/stream/?shop_id=${owner.shop.id}`, {
      token: owner.token,
      ...(lastEventId ? { lastEventId } : {}),
    });
    await s.next('ready');
    return s;
  };

  it('reaches a stream on one relay with an event written through another', async () => {
    const one = await relayOn();
    const two = await relayOn();
    try {
      const owner = await userWithShop(one, 'Two relays');
      const s = await follow(one, owner);
      const l = await lead(two, owner, 'Through the other relay');
      expect((await s.next('lead.created', 5_000)).json.data.id).toBe(l.id);
      s.close();
    } finally {
      await two.close();
      await one.close();
    }
  });

  // The poll alone would take a minute here: the other relay's NOTIFY wakes the stream's.
  it.runIf(onPostgres)(
    'is woken by the other relay’s notification (PostgreSQL), not only by its poll',
    async () => {
      const one = await relayOn(true);
      const two = await relayOn();
      try {
        const owner = await userWithShop(one, 'Notified');
        const s = await follow(one, owner);
        for (const name of ['First', 'Second']) {
          const l = await lead(two, owner, name);
          expect((await s.next('lead.created', 10_000)).json.data.id).toBe(l.id);
        }
        s.close();
      } finally {
        await two.close();
        await one.close();
      }
    },
  );

  // An event is read only once every older transaction ended (relay/events/log.ts): a wake
  // that came too early must not leave it to the next poll.
  it.runIf(onPostgres)(
    'sends an event that was not final when the stream was woken soon after it is (PostgreSQL)',
    async () => {
      const one = await relayOn(true);
      const blocker = new pg.Client(database.config.databaseUrl!);
      await blocker.connect();
      try {
        const owner = await userWithShop(one, 'Held back');
        const s = await follow(one, owner);
        // An older transaction with an id, still running when the lead commits.
        await blocker.query('BEGIN');
        await blocker.query('SELECT pg_current_xact_id()');
        const l = await lead(one, owner, 'Behind an older transaction');
        await new Promise((r) => setTimeout(r, 150));
        expect(s.events.filter((e) => e.event === 'lead.created')).toEqual([]);
        await blocker.query('COMMIT');
        expect((await s.next('lead.created', 5_000)).json.data.id).toBe(l.id);
        s.close();
      } finally {
        await blocker.end();
        await one.close();
      }
    },
  );

  it('loses no lead across a relay restart: the new relay replays it from the last event id', async () => {
    let relay = await relayOn();
    const owner = await userWithShop(relay, 'Restart');
    const s = await follow(relay, owner);
    await lead(relay, owner, 'Before the restart');
    const last = await s.next('lead.created');
    await relay.close();
    await s.closed;
    relay = await relayOn();
    try {
      // Arrives while no stream is open.
      const missed = await lead(relay, owner, 'While disconnected');
      const again = await follow(relay, owner, last.id);
      const e = await again.next('lead.created');
      expect(e.json.data).toMatchObject({ id: missed.id, fields: { name: 'While disconnected' } });
      again.close();
    } finally {
      await relay.close();
    }
  });
});
