import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startViberFake, type FakeViberUser, type ViberFake } from '../../fakes/viber.js';
import { startVkFake, type FakeVkUser, type VkFake } from '../../fakes/vk.js';
import { createDatabase, postgresForSuite, startPgRelay } from '../../helpers/cluster.js';
import { freePort } from '../../helpers/process.js';
import { userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { eventually } from '../channels/fixtures.js';
import { viberBot, type ViberBot } from '../channels/viber-fixtures.js';
import { vkBot, type VkBot } from '../channels/vk-fixtures.js';

const pgs = await postgresForSuite();
afterAll(() => pgs.server?.stop());

const fast = {
  heartbeat: { intervalMs: 200, staleMs: 2_000 },
  cluster: { tickMs: 200, pauseMs: 300 },
};

/**
 * Viber and VK bots are owned like Telegram's: on two relays sharing PostgreSQL (behind one
 * public address, as a load balancer gives them), each bot has one owner, which alone
 * registers a Viber bot's webhook and sends (paces) its messages — whichever relay an update
 * reaches or a message was asked of.
 */
describe.skipIf(!pgs.server)('Viber and VK bots owned by one relay at a time', () => {
  let viber: ViberFake;
  let vk: VkFake;
  const relays: Relay[] = [];
  let owner: Owner;
  const viberBots: ViberBot[] = [];
  const vkBots: VkBot[] = [];
  const sentBy: { relay: number; botId: number | null }[] = [];

  beforeAll(async () => {
    [viber, vk] = await Promise.all([startViberFake(), startVkFake()]);
    const url = await createDatabase(pgs.server!);
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    for (const i of [0, 1])
      relays.push(
        await startPgRelay(
          url,
          {
            // The first relay is where the public address leads: every update arrives there.
            ...(i === 0 ? { port } : {}),
            publicUrl,
            publicUrlExplicit: true,
            viberApiUrl: viber.url,
            vkApiUrl: vk.url,
          },
          {
            ...fast,
            worker: {
              hooks: { onAttempt: (d) => void sentBy.push({ relay: i, botId: d.bot_id }) },
            },
          },
        ),
      );
    owner = await userWithShop(relays[0]);
    for (let i = 0; i < 3; i++) {
      viberBots.push(await viberBot(relays[0], viber, owner));
      vkBots.push(await vkBot(relays[0], vk, owner));
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of relays) await r.close();
    await viber?.close();
    await vk?.close();
  });

  const ownersOf = (id: number) => relays.filter((r) => r.cluster!.ownership.owned().includes(id));

  it('gives each Viber and VK bot one owner; the owner registered each Viber webhook', async () => {
    const ids = [...viberBots.map((b) => b.bot.id), ...vkBots.map((b) => b.bot.id)];
    await eventually(() => ids.every((id) => ownersOf(id).length === 1), 10_000);
    // Which relay owns which is rendezvous hashing over the relays' random instance ids: all
    // six may fall to one relay (1 run in 32), so only "exactly one owner each" is asserted.
    // An owner registers its Viber webhook after it took the bot: wait for the fake to have it.
    await eventually(() => viberBots.every((b) => b.account.webhook), 10_000);
    for (const b of viberBots) {
      expect(b.account.webhook?.url).toBe(`${relays[0].config.publicUrl}/hooks/viber/${b.bot.id}`);
      expect(viber.registrations.filter((r) => r.token === b.account.token).length).toBeGreaterThan(
        0,
      );
    }
  });

  it('sends each bot’s messages from its owner only, whichever relay was asked', async () => {
    const people: { botId: number; botUserId: number; who: FakeViberUser | FakeVkUser }[] = [];
    for (const b of viberBots) {
      const u = viber.user();
      await viber.says(b.account, u, 'hello');
      people.push({ botId: b.bot.id, botUserId: await botUserId(b.bot.id, u.id), who: u });
    }
    for (const b of vkBots) {
      const u = vk.user();
      await vk.writes(b.community, u, 'hello');
      people.push({ botId: b.bot.id, botUserId: await botUserId(b.bot.id, String(u.id)), who: u });
    }
    sentBy.length = 0;
    let n = 0;
    for (const p of people)
      for (let i = 0; i < 2; i++) {
        const r = await relays[n++ % 2].api.post(
          '/api/bot/messages/send_message/',
          { shop_id: owner.shop.id, bot_user_id: p.botUserId, payload: { text: `Hello ${i}` } },
          { token: owner.token },
        );
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
    await eventually(() => sentBy.length >= people.length * 2, 20_000);
    for (const { relay, botId } of sentBy)
      expect(relays[relay].cluster!.ownership.owns(botId!), `bot ${botId}`).toBe(true);
    expect(viber.messages.filter((m) => m.text.startsWith('Hello '))).toHaveLength(6);
    expect(vk.messages.filter((m) => m.text.startsWith('Hello '))).toHaveLength(6);
  });

  async function botUserId(botId: number, messengerUserId: string) {
    const r = await relays[1].api.get(
      `/api/bot/bot_users/?shop_id=${owner.shop.id}&bot_id=${botId}`,
      { token: owner.token },
    );
    return r.body.result.results.find(
      (u: { messenger_user_id: string }) => u.messenger_user_id === messengerUserId,
    ).id as number;
  }
});
