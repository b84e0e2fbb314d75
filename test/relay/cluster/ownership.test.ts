import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ownerOf } from '../../../relay/cluster/rendezvous.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram.js';
import { createDatabase, postgresForSuite, query, startPgRelay } from '../../helpers/cluster.js';
import { userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually, telegramToken, tgUser } from '../channels/fixtures.js';

const pgs = await postgresForSuite();
afterAll(() => pgs.server?.stop());

const BOTS = 8;
const fast = {
  heartbeat: { intervalMs: 200, staleMs: 2_000 },
  cluster: { tickMs: 200, pauseMs: 300 },
  channels: { pollTimeoutS: 1 },
};

describe('rendezvous hashing', () => {
  it('picks the same owner whatever the order of the list, and moves only what a newcomer wins', () => {
    const three = ['a1', 'b2', 'c3'];
    const items = Array.from({ length: 300 }, (_, i) => i + 1);
    for (const item of items)
      expect(ownerOf(three, item)).toBe(ownerOf([...three].reverse(), item));
    const owners = items.map((i) => ownerOf(three, i));
    for (const id of three) expect(owners.filter((o) => o === id).length).toBeGreaterThan(60);
    const four = [...three, 'd4'];
    for (const item of items) {
      const now = ownerOf(four, item);
      expect([ownerOf(three, item), 'd4']).toContain(now);
    }
  });
});

/**
 * Relays in this process on one PostgreSQL database, with Telegram bots in long-polling mode:
 * each bot is owned — polled and sent for — by exactly one relay, the one rendezvous hashing
 * picks among the live relays; bots move when a relay joins or leaves, and are never owned by
 * two relays at once.
 */
describe.skipIf(!pgs.server)('bot ownership across relays on PostgreSQL', () => {
  let fake: TelegramFake;
  let url: string;
  const relays: Relay[] = [];
  let owner: Owner;
  const bots: { id: number; token: string }[] = [];
  /** Which relay sent each delivery (the worker's attempt hook). */
  const sentBy: { relay: number; botId: number | null }[] = [];
  let violations: string[] = [];
  let watching: NodeJS.Timeout | undefined;

  const start = async () => {
    const index = relays.length;
    const relay = await startPgRelay(
      url,
      { telegramApiUrl: fake.url },
      {
        ...fast,
        worker: {
          hooks: { onAttempt: (d) => void sentBy.push({ relay: index, botId: d.bot_id }) },
        },
      },
    );
    relays.push(relay);
    return relay;
  };
  const running = () => relays.filter((r) => !closed.has(r));
  const closed = new Set<Relay>();
  const ownersOf = (id: number) =>
    running().filter((r) => r.cluster!.ownership.owned().includes(id));
  const pollersOf = (id: number) =>
    running().filter((r) => r.channels.telegram.polling().includes(id));
  /** The relay each bot should have, by the hash over the running relays. */
  const expected = (id: number) =>
    ownerOf(
      running().map((r) => r.heartbeat.id),
      id,
    );
  const settled = () =>
    bots.every(
      ({ id }) =>
        ownersOf(id).length === 1 &&
        ownersOf(id)[0].heartbeat.id === expected(id) &&
        pollersOf(id).length === 1 &&
        pollersOf(id)[0] === ownersOf(id)[0],
    );

  beforeAll(async () => {
    fake = await startTelegramFake();
    url = await createDatabase(pgs.server!);
    await start();
    await start();
    owner = await userWithShop(relays[0]);
    for (let i = 0; i < BOTS; i++) {
      const token = telegramToken(fake);
      const r = await relays[i % 2].api.post(
        '/api/bot/bots/',
        { shop_id: owner.shop.id, bot_type: 'telegram', name: `Bot ${i}`, token },
        { token: owner.token },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      bots.push({ id: r.body.result.id, token });
    }
    // Never two owners or two pollers of a bot, whatever happens below.
    watching = setInterval(() => {
      for (const { id } of bots) {
        if (ownersOf(id).length > 1) violations.push(`bot ${id} owned twice`);
        if (pollersOf(id).length > 1) violations.push(`bot ${id} polled twice`);
      }
    }, 5);
  }, 60_000);
  afterAll(async () => {
    clearInterval(watching);
    for (const r of running()) await r.close();
    await fake?.close();
  });

  it('gives each bot one owner, the one the hash picks, which alone polls it', async () => {
    await eventually(settled, 10_000);
    const counts = running().map((r) => r.cluster!.ownership.owned().length);
    expect(counts.reduce((a, b) => a + b)).toBe(BOTS);
    expect(violations).toEqual([]);
  });

  it('holds each bot with one advisory lock, on the owner’s own session', async () => {
    const locks = await query<{ bot: number; app: string }>(
      url,
      `SELECT l.objid::int AS bot, a.application_name AS app
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = 7406 AND l.granted`,
    );
    expect(locks.map((l) => l.bot).sort((a, b) => a - b)).toEqual(
      bots.map((b) => b.id).sort((a, b) => a - b),
    );
    for (const l of locks) expect(l.app).toBe(`touchpoint/${ownersOf(l.bot)[0].heartbeat.id}`);
  });

  it('sends a bot’s messages from its owner only, whichever relay was asked', async () => {
    const people: { botId: number; userId: number }[] = [];
    for (const { id } of bots) {
      const user = tgUser();
      const started = await relays[0].channels.inbound.start(
        { id, shop_id: owner.shop.id, bot_type: 'telegram' },
        {
          messenger_user_id: String(user.id),
          chat_id: String(user.id),
          name: 'Ann',
          lang_code: '',
          messenger_user_url: '',
        },
        null,
        { remoteId: null },
      );
      people.push({ botId: id, userId: started!.botUser.id });
    }
    sentBy.length = 0;
    let n = 0;
    for (const p of people)
      for (let i = 0; i < 2; i++) {
        const r = await running()[n++ % 2].api.post(
          '/api/bot/messages/send_message/',
          {
            shop_id: owner.shop.id,
            bot_user_id: p.userId,
            content_type: 'text',
            payload: { text: `Hello ${i}` },
          },
          { token: owner.token },
        );
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
    await eventually(() => sentBy.length >= people.length * 2, 15_000);
    for (const { relay, botId } of sentBy)
      expect(relays[relay].cluster!.ownership.owns(botId!), `bot ${botId}`).toBe(true);
    expect(fake.attempts.filter((a) => a.outcome === '429')).toEqual([]);
  });

  it('moves the newcomer’s share to it when a relay joins, and no more', async () => {
    const before = new Map(bots.map(({ id }) => [id, ownersOf(id)[0]]));
    const third = await start();
    await eventually(settled, 15_000);
    for (const { id } of bots) {
      const now = ownersOf(id)[0];
      if (now !== third) expect(now).toBe(before.get(id));
    }
    expect(violations).toEqual([]);
  });

  it('hands a relay’s bots to the others when it stops', async () => {
    const leaving = running()[0];
    closed.add(leaving);
    await leaving.close();
    await eventually(settled, 15_000);
    expect(violations).toEqual([]);
  });

  it('takes its bots again after its database session broke, never sharing one meanwhile', async () => {
    const owned = (r: Relay) => r.cluster!.ownership.owned().length;
    const victim = running().reduce((a, b) => (owned(a) >= owned(b) ? a : b));
    const mine = victim.cluster!.ownership.owned();
    expect(mine.length).toBeGreaterThan(0);
    // The relay says so in its log (asserted, not printed).
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await query(
      url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      [`touchpoint/${victim.heartbeat.id}`],
    );
    try {
      await eventually(
        () => logged.mock.calls.some(([line]) => String(line).includes('database session lost')),
        5_000,
      );
      await eventually(settled, 15_000);
    } finally {
      logged.mockRestore();
    }
    expect(violations).toEqual([]);
  });

  it('stops polling a bot that is stopped through another relay, and polls it again on restart', async () => {
    const { id } = bots[0];
    const other = running().find((r) => !ownersOf(id).includes(r))!;
    const stop = await other.api.post(`/api/bot/bot/${id}/stop/`, undefined, {
      token: owner.token,
    });
    expect(stop.status, JSON.stringify(stop.body)).toBe(200);
    await eventually(() => pollersOf(id).length === 0, 5_000);
    const restart = await other.api.post(`/api/bot/bot/${id}/restart/`, undefined, {
      token: owner.token,
    });
    expect(restart.status, JSON.stringify(restart.body)).toBe(200);
    await eventually(settled, 10_000);
    expect(violations).toEqual([]);
  });

  it('lets go of a deleted bot', async () => {
    const { id } = bots.pop()!;
    const other = running().find((r) => !ownersOf(id).includes(r))!;
    const r = await other.api.delete(`/api/bot/bots/${id}/`, { token: owner.token });
    expect(r.status).toBe(200);
    await eventually(() => ownersOf(id).length === 0 && pollersOf(id).length === 0, 5_000);
    violations = violations.filter((v) => !v.includes(`bot ${id} `));
    expect(violations).toEqual([]);
  });
});
