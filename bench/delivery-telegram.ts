/**
 * bench/delivery.ts part (1), `telegram`: 600 messages for 600 private chats of one bot,
 * queued before the relay starts, drained by the relay (its own process, as `npm start` runs
 * it) against the fake Bot API enforcing Telegram's limits (30 messages/s per bot in any
 * sliding second), which runs in this process and counts. Reports the achieved rate ÷ 30 and
 * the number of 429s the fake answered. Target: ≥ 0.95 and 0.
 */
import { startTelegramFake } from '../test/fakes/telegram.js';
import { pacedQueue } from './pace.js';

export async function telegram(total = 600): Promise<Record<string, number | string>> {
  const fake = await startTelegramFake();
  const token = '424242:benchmark-token-benchmark-token';
  fake.addBot(token, 'bench_bot');
  try {
    return await pacedQueue({
      bot: {
        bot_type: 'telegram',
        name: 'Bench bot',
        credential: token,
        tg_bot_nickname: 'bench_bot',
      },
      chats: Array.from({ length: total }, (_, i) => String(100_000 + i)),
      env: { TELEGRAM_API_URL: fake.url },
      accepted: () => fake.messages,
      messenger: 'Telegram',
      distinct: 'chats',
      to: (m) => m.chat_id,
      perSecond: 30,
      refusals: () => ({
        '429 answers': fake.attempts.filter((a) => a.outcome === '429').length,
      }),
      timeoutMs: 120_000,
    });
  } finally {
    await fake.close();
  }
}
