/**
 * The fake Bot API (test/fakes/telegram.ts, with Telegram's flood limits) for
 * bench/scenario.ts, in its own process. The fake stamps each request with its arrival time
 * and counts its limits by those stamps; sharing an event loop with 1,000 simulated people
 * delayed the stamps by up to ~150 ms at times, bunching requests the relay had spaced out
 * and drawing 429s that measured the bench, not the relay. Alone, it stamps on time.
 *
 * IPC: sends `{type:'ready', url}`; then batches of accepted messages `{type:'messages',
 * list}` as they come; answers `{id, type:'addBot'|'webhook'|'summary', …}` with `{id, …}`.
 */
import { startTelegramFake, type FakeMessage } from '../test/fakes/telegram.js';
import { TELEGRAM_LIMITS } from '../test/fakes/telegram-limits.js';

/** What the people need of a message: whose it is, when Telegram took it, what it says. */
export type SeenMessage = Pick<
  FakeMessage,
  'token' | 'chat_id' | 'message_id' | 'plain' | 'reply_markup' | 'at'
>;

/** Telegram's view of the run: how the relay's sends were paced. */
export type PacingSummary = {
  messages: number;
  /** The most messages one bot had accepted in any second, over all bots. */
  mostPerBot: number;
  /** The same for one chat. */
  mostPerChat: number;
  limits: typeof TELEGRAM_LIMITS;
  /** 429 answers, by cause (`bot`, `chat`, `early`: sent before retry_after was over). */
  tooMany: Record<string, number>;
};

/** The most of `times` (ms) in any window of `windowMs`, as the fake's limiter counts them. */
function mostInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

function mostPer(messages: FakeMessage[], key: (m: FakeMessage) => string): number {
  const groups = new Map<string, number[]>();
  for (const m of messages) {
    const k = key(m);
    const list = groups.get(k) ?? [];
    list.push(m.at);
    groups.set(k, list);
  }
  return Math.max(0, ...[...groups.values()].map((t) => mostInWindow(t, 1000)));
}

if (process.send) {
  const fake = await startTelegramFake();
  const send = (msg: object) => process.send!(msg);
  let cursor = 0;
  setInterval(() => {
    if (cursor === fake.messages.length) return;
    const list: SeenMessage[] = fake.messages
      .slice(cursor)
      .map(({ token, chat_id, message_id, plain, reply_markup, at }) => ({
        token,
        chat_id,
        message_id,
        plain,
        reply_markup,
        at,
      }));
    cursor += list.length;
    send({ type: 'messages', list });
  }, 2);

  process.on('message', (msg: { id: number; type: string; token: string; username: string }) => {
    if (msg.type === 'addBot') {
      fake.addBot(msg.token, msg.username);
      send({ id: msg.id });
    } else if (msg.type === 'webhook') {
      send({ id: msg.id, webhook: fake.webhookOf(msg.token) });
    } else if (msg.type === 'summary') {
      const tooMany: Record<string, number> = {};
      for (const a of fake.attempts)
        if (a.outcome === '429') tooMany[a.cause!] = (tooMany[a.cause!] ?? 0) + 1;
      const summary: PacingSummary = {
        messages: fake.messages.length,
        mostPerBot: mostPer(fake.messages, (m) => m.token),
        mostPerChat: mostPer(fake.messages, (m) => `${m.token}|${m.chat_id}`),
        limits: TELEGRAM_LIMITS,
        tooMany,
      };
      send({ id: msg.id, summary });
    }
  });
  process.on('disconnect', () => void fake.close().then(() => process.exit(0)));
  send({ type: 'ready', url: fake.url });
}
