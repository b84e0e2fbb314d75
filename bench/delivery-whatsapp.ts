/**
 * bench/delivery.ts part (4), `whatsapp`: 1,600 messages to 1,600 people of one WhatsApp
 * number (each wrote to it within the day: inside the 24-hour window), queued before the
 * relay starts, drained by the relay (its own process) against the Graph API fake enforcing
 * WhatsApp's limits — the number's throughput in any sliding second (80 messages/s, Meta's
 * default) and the pair rate per person — which runs in this process and counts. Reports the
 * achieved rate ÷ the configured rate, and the pacing errors the fake answered (130429
 * throughput, 131056 pair rate). Target: ≥ 0.95 and none.
 */
import { randomBytes } from 'node:crypto';
import { startWhatsAppFake } from '../test/fakes/whatsapp.js';
import { pacedQueue } from './pace.js';

export async function whatsapp(total = 1_600, mps = 80): Promise<Record<string, number | string>> {
  const fake = await startWhatsAppFake({ windowErrors: 'sync' });
  const number = fake.addNumber({ mps });
  const chats = Array.from({ length: total }, (_, i) => String(4_470_000_000_00 + i));
  // People who wrote within the day: the fake and the relay agree their window is open.
  for (const waId of chats) fake.userWrote(number, waId);
  try {
    return await pacedQueue({
      bot: {
        bot_type: 'whatsapp',
        name: 'Bench number',
        credential: number.token,
        tg_bot_nickname: null,
        settings: {
          phone_number: '+15550100001',
          phone_number_id: number.phoneNumberId,
          messages_per_second: mps,
        },
        credentials: { app_secret: randomBytes(16).toString('hex'), verify_token: 'bench-verify' },
      },
      chats,
      people: true,
      env: { WHATSAPP_API_URL: fake.url },
      accepted: () => fake.messages,
      messenger: 'WhatsApp',
      distinct: 'people',
      to: (m) => m.to,
      perSecond: mps,
      unit: 'msg/s',
      refusals: () => {
        const refused = (code: string) => fake.attempts.filter((a) => a.outcome === code).length;
        return { '130429 answers': refused('130429'), '131056 answers': refused('131056') };
      },
      timeoutMs: 180_000,
    });
  } finally {
    await fake.close();
  }
}
