/**
 * Telegram as bench/scenario.ts sees it: the fake Bot API in its own process
 * (bench/scenario-telegram.ts), which takes the relay's sends and streams back what it
 * accepted, and Telegram's side of webhook delivery, here: POSTs of updates to the bot's
 * registered webhook URL with its `X-Telegram-Bot-Api-Secret-Token`, as the fake's
 * `deliverUpdate` does, but the way Telegram connects:
 * - at most `max_connections` updates in flight per bot (40 unless setWebhook says
 *   otherwise; the relay does not), over kept-alive connections. `fetch` opens one per update
 *   in flight: on a loaded machine hundreds of new connections overflowed the relay's listen
 *   backlog (511) and waited 1–15 s for SYN retransmits, or timed out;
 * - an update whose delivery failed (no connection, a reset, an answer other than 2xx) is
 *   delivered again a moment later, as Telegram keeps trying. The relay recognises a repeat
 *   by its message or callback id.
 * https://core.telegram.org/bots/api#setwebhook
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { PacingSummary, SeenMessage } from './scenario-telegram.js';

export type WebhookStats = {
  /** Each successful delivery, from the update handed over (it may wait for one of the bot's
   * connections) to the relay's answer, which comes once the update is committed. */
  ms: number[];
  /** Failed attempts by HTTP status or network error. */
  failures: Record<string, number>;
  retries: number;
  /** Updates given up on after the last attempt. */
  lost: number;
};

type Webhook = { url: string; secret_token: string | null };

export async function startTelegram({ maxConnections = 40, retryMs = 1_000, attempts = 5 } = {}) {
  const child = fork(new URL('./scenario-telegram.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
  });
  const replies = new Map<number, (msg: any) => void>();
  const listeners: ((m: SeenMessage) => void)[] = [];
  let nextId = 1;
  const { url } = await new Promise<{ url: string }>((resolve) => {
    child.on('message', (msg: any) => {
      if (msg.type === 'ready') resolve(msg);
      else if (msg.type === 'messages') for (const m of msg.list) listeners.forEach((l) => l(m));
      else replies.get(msg.id)?.(msg);
    });
  });
  const ask = <T>(type: string, args: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      replies.set(id, (msg) => {
        replies.delete(id);
        resolve(msg);
      });
      child.send({ id, type, ...args });
    });

  const hooks = new Map<string, Webhook & { agent: http.Agent; updateId: number }>();
  const stats: WebhookStats = { ms: [], failures: {}, retries: 0, lost: 0 };

  const post = (hook: Webhook & { agent: http.Agent }, body: string) =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      };
      if (hook.secret_token) headers['x-telegram-bot-api-secret-token'] = hook.secret_token;
      const req = http.request(hook.url, { method: 'POST', agent: hook.agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  return {
    /** The base URL to give the relay as TELEGRAM_API_URL. */
    url,
    /** The fake's process, for its CPU time. */
    pid: child.pid!,
    /** Registers a bot with the fake: its token then works. */
    addBot: (token: string, username: string) => ask('addBot', { token, username }),
    /** The webhook the relay registered for the bot (read once, then used for its updates). */
    async webhookOf(token: string): Promise<Webhook | null> {
      const { webhook } = await ask<{ webhook: Webhook | null }>('webhook', { token });
      const agent = new http.Agent({ keepAlive: true, maxSockets: maxConnections });
      if (webhook) hooks.set(token, { ...webhook, agent, updateId: 1 });
      return webhook;
    },
    /** Calls `listener` with every message the fake accepts, in order. */
    onMessage: (listener: (m: SeenMessage) => void) => void listeners.push(listener),
    /** Delivers an update to the bot's webhook; false when every attempt failed. */
    async deliver(token: string, update: Record<string, unknown>): Promise<boolean> {
      const hook = hooks.get(token)!;
      const body = JSON.stringify({ update_id: hook.updateId++, ...update });
      for (let attempt = 1; ; attempt++) {
        const started = Date.now();
        let failure: string | null;
        try {
          const status = await post(hook, body);
          failure = status >= 200 && status < 300 ? null : String(status);
        } catch (err) {
          failure = (err as NodeJS.ErrnoException).code ?? String(err);
        }
        if (failure === null) {
          stats.ms.push(Date.now() - started);
          return true;
        }
        stats.failures[failure] = (stats.failures[failure] ?? 0) + 1;
        if (attempt >= attempts) {
          stats.lost += 1;
          return false;
        }
        stats.retries += 1;
        await new Promise((r) => setTimeout(r, retryMs));
      }
    },
    stats,
    /** How Telegram saw the relay's sends: the most per bot and per chat in a second, 429s. */
    summary: () => ask<{ summary: PacingSummary }>('summary').then((r) => r.summary),
    close() {
      for (const hook of hooks.values()) hook.agent.destroy();
      child.disconnect();
    },
  };
}
export type TelegramSide = Awaited<ReturnType<typeof startTelegram>>;
