/**
 * bench/delivery.ts part (1), `telegram`: 600 messages for 600 private chats of one bot,
 * queued before the relay starts, drained by the relay (its own process, as `npm start` runs
 * it) against the fake Bot API enforcing Telegram's limits (30 messages/s per bot in any
 * sliding second), which runs in this process and counts. Reports the achieved rate ÷ 30 and
 * the number of 429s the fake answered. Target: ≥ 0.95 and 0.
 */
import { loadavg } from 'node:os';
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
      figures: (accepted, { seconds, rate, worst }) => ({
        messages: total,
        'accepted by Telegram': accepted.length,
        'distinct chats': new Set(accepted.map((m) => m.chat_id)).size,
        'first to last (s)': seconds,
        'messages/s': Number(rate.toFixed(2)),
        'rate ÷ 30': Number((rate / 30).toFixed(3)),
        '429 answers': fake.attempts.filter((a) => a.outcome === '429').length,
        'most in one second': worst,
        'load average (1 min)': loadavg()[0].toFixed(2),
      }),
      timeoutMs: 120_000,
    });
  } finally {
    await fake.close();
  }
}
