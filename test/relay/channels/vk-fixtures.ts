import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { FakeCommunity, VkFake } from '../../fakes/vk.js';
import type { Owner, Relay } from '../../helpers/relay.js';

export type VkBot = {
  bot: {
    id: number;
    shop_id: number;
    bot_type: 'vk';
    settings: Record<string, unknown>;
    webhook_url: string;
  };
  community: FakeCommunity;
  secret: string;
  confirmation: string;
};

/**
 * A VK bot of the owner's shop, connected as an owner would: the community's Callback API
 * settings show a confirmation string and take a secret key; the owner gives both and the
 * community token to the relay, pastes the bot's server address into VK, and VK confirms it.
 */
export async function vkBot(
  relay: Relay,
  fake: VkFake,
  owner: Owner,
  { rps, settings = {} }: { rps?: number; settings?: Record<string, unknown> } = {},
): Promise<VkBot> {
  const community = fake.addCommunity(rps ? { rps } : {});
  const secret = randomBytes(12).toString('hex');
  // The address is known once the bot exists; VK's confirmation string is known before.
  const confirmation = await fake.addServer(community, 'http://invalid.example/', secret);
  const r = await relay.api.post(
    '/api/bot/bots/',
    {
      shop_id: owner.shop.id,
      bot_type: 'vk',
      name: 'Shop VK',
      token: community.token,
      settings: {
        group_id: community.id,
        ...(rps ? { requests_per_second: rps } : {}),
        ...settings,
      },
      credentials: { confirmation, secret },
    },
    { token: owner.token },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  // The answer's webhook_url is the relay's public one; on loopback the test relay listens elsewhere.
  community.server!.url = `${relay.url}/hooks/vk/${r.body.result.id}`;
  const confirmed = await fake.confirm(community);
  expect(confirmed).toEqual({ status: 200, text: confirmation });
  return { bot: r.body.result, community, secret, confirmation };
}
