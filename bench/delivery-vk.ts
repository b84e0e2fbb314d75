/**
 * bench/delivery.ts part (5), `vk`: 600 messages to 600 people of one VK community (each
 * wrote to it, so it may write back), queued before the relay starts, drained by the relay
 * (its own process) against the VK API fake enforcing the community token's requests a second
 * (20, VK's default: 6 "too many requests" beyond) — which runs in this process and counts.
 * Reports the achieved rate ÷ 20 and the 6 answers. Target: ≥ 0.95 and none.
 */
import { startVkFake } from '../test/fakes/vk.js';
import { pacedQueue } from './pace.js';

export async function vk(total = 600, rps = 20): Promise<Record<string, number | string>> {
  const fake = await startVkFake();
  const community = fake.addCommunity({ rps });
  const chats = Array.from({ length: total }, (_, i) => String(100_000 + i));
  // They wrote to the community: VK lets it write back.
  for (const peer of chats) await fake.allowSilently(community, Number(peer));
  try {
    return await pacedQueue({
      bot: {
        bot_type: 'vk',
        name: 'Bench community',
        credential: community.token,
        tg_bot_nickname: null,
        settings: { group_id: community.id, screen_name: community.screen_name },
        credentials: { confirmation: 'bench', secret: 'bench-secret' },
      },
      chats,
      people: true,
      env: { VK_API_URL: fake.url },
      accepted: () => fake.messages,
      messenger: 'VK',
      distinct: 'people',
      to: (m) => m.peer,
      perSecond: rps,
      unit: 'req/s',
      refusals: () => ({ '6 answers': fake.attempts.filter((a) => a.outcome === '6').length }),
      timeoutMs: 180_000,
    });
  } finally {
    await fake.close();
  }
}
