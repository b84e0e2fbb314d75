/**
 * Telegram's flood limits as the fake enforces them, in sliding windows over the times
 * messages were accepted: 30 a second per bot, 1 a second per private chat, 20 a minute per
 * group (negative chat ids and @channels).
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 */
export type Limits = { perBot: number; perPrivateChat: number; perGroupPerMinute: number };
export const TELEGRAM_LIMITS: Limits = { perBot: 30, perPrivateChat: 1, perGroupPerMinute: 20 };

export const isGroup = (chatId: string) => chatId.startsWith('-') || chatId.startsWith('@');

export function createLimiter(limits: Limits | null) {
  const byBot = new Map<string, number[]>();
  const byChat = new Map<string, number[]>();

  /** How long until `times` has room for one more in `windowMs` (0: room now). */
  const wait = (times: number[] | undefined, max: number, windowMs: number, t: number) => {
    if (!times) return 0;
    const recent = times.filter((x) => x > t - windowMs);
    return recent.length < max ? 0 : recent[recent.length - max] + windowMs - t;
  };

  return {
    /** Milliseconds until this bot may send to this chat; 0 when it may now. */
    check(
      token: string,
      chatId: string,
      t: number,
    ): { waitMs: number; scope: 'bot' | 'chat' | null } {
      if (!limits) return { waitMs: 0, scope: null };
      const chatKey = `${token}|${chatId}`;
      const bot = wait(byBot.get(token), limits.perBot, 1000, t);
      const chat = isGroup(chatId)
        ? wait(byChat.get(chatKey), limits.perGroupPerMinute, 60_000, t)
        : wait(byChat.get(chatKey), limits.perPrivateChat, 1000, t);
      if (bot === 0 && chat === 0) return { waitMs: 0, scope: null };
      return bot >= chat ? { waitMs: bot, scope: 'bot' } : { waitMs: chat, scope: 'chat' };
    },
    /** Records an accepted message. */
    accept(token: string, chatId: string, t: number) {
      for (const [map, key, keep] of [
        [byBot, token, 100],
        [byChat, `${token}|${chatId}`, 100],
      ] as const) {
        const list = map.get(key) ?? [];
        list.push(t);
        if (list.length > keep) list.splice(0, list.length - keep);
        map.set(key, list);
      }
    },
  };
}
