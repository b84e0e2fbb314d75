import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, readBody } from './http.js';

/**
 * A fake Viber REST Bot API on loopback, speaking its request and answer shapes:
 * `POST /pa/get_account_info`, `/pa/set_webhook` and `/pa/send_message` with the auth token in
 * `X-Viber-Auth-Token`, answered with HTTP 200 and `{"status":0,"status_message":"ok",…}` or a
 * failure status (`{"status":6,"status_message":"receiverNotSubscribed"}`).
 * https://developers.viber.com/docs/api/rest-bot-api/
 *
 * It enforces what Viber enforces, with Viber's statuses: the token (2), `set_webhook`'s own
 * check — the webhook is registered only when a signed `webhook` event posted to it is
 * answered 200, and only over https (loopback excepted, for the tests) (1) — sends to people
 * who are subscribed only, that is who wrote to the bot or subscribed (6), at most 100
 * messages to a person who has not replied within an hour (12), and the message's shape and
 * limits (3, 4). It can be told to fail (any status next, 12 at random, no answer). It posts
 * signed callbacks (X-Viber-Content-Signature: hex HMAC-SHA256 of the body with the token) as
 * Viber does, with `message_token` as a 64-bit JSON number.
 */

export type FakeViberAccount = {
  token: string;
  id: string;
  name: string;
  uri: string;
  webhook?: { url: string; eventTypes: string[] };
};

export type FakeViberUser = { id: string; name: string; language?: string };

export type FakeViberMessage = {
  token: string;
  account: string;
  to: string;
  type: string;
  /** The text, a picture's description or a file's name. */
  text: string;
  body: Record<string, any>;
  at: number;
};

export type ViberAttempt = { account: string; to: string; at: number; outcome: string };

export type ViberFaults = {
  /** Probability per send of a 12 (on top of the real limit). */
  tooMany?: number;
  /** Probability per send of no answer at all (nothing is sent). */
  hang?: number;
};

const STATUS_MESSAGES: Record<number, string> = {
  1: 'invalidUrl',
  2: 'invalidAuthToken',
  3: 'badData',
  4: 'missingData',
  5: 'receiverNotRegistered',
  6: 'receiverNotSubscribed',
  7: 'publicAccountBlocked',
  10: 'webhookNotSet',
  12: 'tooManyRequests',
};

/** Viber's message tokens: 64-bit numbers, written as JSON numbers (beyond 2^53). */
let nextToken = 4912661846655238145n;
const messageToken = () => String((nextToken += 1n));

/** JSON with `message_token` written as a number, the way Viber writes it. */
const viberJson = (body: Record<string, unknown>) =>
  JSON.stringify(body).replace(/"message_token":"(\d+)"/g, '"message_token":$1');

const HOUR_MS = 60 * 60_000;

export type ViberFake = Awaited<ReturnType<typeof startViberFake>>;

export async function startViberFake({ perHour = 100 }: { perHour?: number } = {}) {
  const accounts = new Map<string, FakeViberAccount>();
  const subscribed = new Map<string, Set<string>>();
  /** Sends to a person since their last message: `<account>|<user>` → times. */
  const unanswered = new Map<string, number[]>();
  const messages: FakeViberMessage[] = [];
  const welcomes: { account: string; to: string; body: Record<string, any> }[] = [];
  const attempts: ViberAttempt[] = [];
  /** Every webhook registration Viber accepted: which account, to where. */
  const registrations: { token: string; url: string }[] = [];
  const injected: number[] = [];
  const hung = new Set<ServerResponse>();
  let faults: ViberFaults = {};

  const sign = (token: string, raw: string) =>
    createHmac('sha256', token).update(raw).digest('hex');

  /** Posts a callback to the account's webhook, signed with its token (or `signWith`). */
  async function post(
    a: FakeViberAccount,
    body: Record<string, unknown>,
    { signWith, url, raw }: { signWith?: string; url?: string; raw?: string } = {},
  ) {
    const target = url ?? a.webhook?.url;
    if (!target) throw new Error('set the account’s webhook first');
    const text = raw ?? viberJson({ timestamp: Date.now(), chat_hostname: 'SN-CHAT-05_', ...body });
    const res = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-viber-content-signature': sign(signWith ?? a.token, text),
      },
      body: text,
    });
    const answer = await res.text();
    return { status: res.status, text: answer, body: answer ? safeJson(answer) : undefined };
  }

  /** What `send_message` checks, in Viber's order; the visible text, or the status. */
  function validate(m: Record<string, any>): { text: string } | number {
    if (typeof m.receiver !== 'string' || !m.receiver) return 4;
    if (typeof m.sender?.name !== 'string' || !m.sender.name || [...m.sender.name].length > 28)
      return 3;
    if (m.keyboard !== undefined) {
      const buttons = m.keyboard?.Buttons;
      if (m.keyboard?.Type !== 'keyboard' || !Array.isArray(buttons) || !buttons.length) return 3;
      if (buttons.length > 24) return 3;
      for (const b of buttons) {
        if (!Number.isInteger(b.Columns) || b.Columns < 1 || b.Columns > 6) return 3;
        if (!['reply', 'open-url'].includes(b.ActionType) || typeof b.ActionBody !== 'string')
          return 3;
        if (typeof b.Text !== 'string' || [...b.Text].length > 250) return 3;
      }
    }
    switch (m.type) {
      case 'text':
        if (typeof m.text !== 'string' || !m.text) return 4;
        if ([...m.text].length > 7000) return 3;
        return { text: m.text };
      case 'picture':
        if (typeof m.media !== 'string' || typeof m.text !== 'string') return 4;
        if ([...m.text].length > 768) return 3;
        return { text: m.text };
      case 'file':
        if (typeof m.media !== 'string' || typeof m.file_name !== 'string') return 4;
        if (!Number.isInteger(m.size) || m.size <= 0 || m.size > 50 * 1024 * 1024) return 3;
        return { text: m.file_name };
      case 'url':
        if (typeof m.media !== 'string' || m.media.length > 2000) return 3;
        return { text: m.media };
      default:
        return 3;
    }
  }

  const server = createServer(async (req, res) => {
    const arrived = Date.now();
    const raw = await readBody(req);
    const answer = (body: Record<string, unknown>) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(viberJson({ chat_hostname: 'SN-CHAT-05_', ...body }));
    };
    const fail = (status: number) =>
      answer({ status, status_message: STATUS_MESSAGES[status] ?? 'error' });
    const method = /^\/pa\/([a-z_]+)$/.exec(new URL(req.url ?? '/', 'http://fake').pathname)?.[1];
    if (req.method !== 'POST' || !method) return fail(3);
    const account = accounts.get(String(req.headers['x-viber-auth-token'] ?? ''));
    if (!account) return fail(2);
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw);
    } catch {
      return fail(3);
    }
    if (method === 'get_account_info')
      return answer({
        status: 0,
        status_message: 'ok',
        id: account.id,
        name: account.name,
        uri: account.uri,
        icon: 'https://media-direct.cdn.viber.com/pg_download?id=1',
        category: 'Shop',
        country: 'GB',
        webhook: account.webhook?.url ?? '',
        event_types: account.webhook?.eventTypes ?? [],
        subscribers_count: subscribed.get(account.token)?.size ?? 0,
        members: [{ id: '01234567890A=', name: 'Admin', role: 'admin' }],
      });
    if (method === 'set_webhook') {
      const url = typeof body.url === 'string' ? body.url : null;
      if (url === null) return fail(4);
      if (url === '') {
        delete account.webhook;
        return answer({ status: 0, status_message: 'ok' });
      }
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return fail(1);
      }
      const loopback = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost';
      if (parsed.protocol !== 'https:' && !loopback) return fail(1);
      // Viber checks the address before it answers: a signed `webhook` event must get a 200.
      const check = await post(
        account,
        { event: 'webhook', message_token: messageToken() },
        { url },
      ).catch(() => ({ status: 0 }));
      if (check.status !== 200) return fail(1);
      // conversation_started, message, subscribed and unsubscribed cannot be filtered out.
      const mandatory = ['subscribed', 'unsubscribed', 'conversation_started', 'message'];
      const eventTypes = [
        ...new Set([...(Array.isArray(body.event_types) ? body.event_types : []), ...mandatory]),
      ];
      account.webhook = { url, eventTypes };
      registrations.push({ token: account.token, url });
      return answer({ status: 0, status_message: 'ok', event_types: eventTypes });
    }
    if (method !== 'send_message') return fail(3);
    if (!account.webhook) return fail(10);
    const to = String(body.receiver ?? '');
    const attempt: ViberAttempt = { account: account.token, to, at: arrived, outcome: 'accepted' };
    attempts.push(attempt);
    if (Buffer.byteLength(raw) > 30 * 1024) return fail(((attempt.outcome = '3'), 3));
    const checked = validate(body);
    if (typeof checked === 'number') {
      attempt.outcome = String(checked);
      return fail(checked);
    }
    if (faults.hang && Math.random() < faults.hang) {
      attempt.outcome = 'hang';
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    const next = injected.shift();
    if (next !== undefined) {
      attempt.outcome = String(next);
      return fail(next);
    }
    if (faults.tooMany && Math.random() < faults.tooMany) {
      attempt.outcome = '12';
      return fail(12);
    }
    if (!subscribed.get(account.token)?.has(to)) {
      attempt.outcome = '6';
      return fail(6);
    }
    const key = `${account.token}|${to}`;
    const recent = (unanswered.get(key) ?? []).filter((t) => t > arrived - HOUR_MS);
    if (recent.length >= perHour) {
      attempt.outcome = '12';
      return fail(12);
    }
    unanswered.set(key, [...recent, arrived]);
    const token = messageToken();
    messages.push({
      token,
      account: account.token,
      to,
      type: body.type,
      text: checked.text,
      body,
      at: arrived,
    });
    answer({ status: 0, status_message: 'ok', message_token: token });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const userOf = (u: FakeViberUser) => ({
    id: u.id,
    name: u.name,
    avatar: 'https://media-direct.cdn.viber.com/download_photo?dlid=1',
    language: u.language ?? 'en',
    country: 'GB',
    api_version: 10,
  });
  const subscribe = (a: FakeViberAccount, userId: string) => {
    const set = subscribed.get(a.token) ?? new Set<string>();
    set.add(userId);
    subscribed.set(a.token, set);
    unanswered.delete(`${a.token}|${userId}`);
  };

  const fake = {
    /** The base URL to give the relay as `viberApiUrl` (VIBER_API_URL). */
    url: `http://127.0.0.1:${port}`,
    accounts,
    messages,
    welcomes,
    attempts,
    registrations,

    /** A bot account: its auth token works, and it has a URI and a name. */
    addAccount(over: Partial<FakeViberAccount> = {}): FakeViberAccount {
      const k = accounts.size + 1;
      const a: FakeViberAccount = {
        token: `${randomBytes(8).toString('hex')}-${randomBytes(8).toString('hex')}-${randomBytes(8).toString('hex')}`,
        id: `pa:${5_000_000_000_000_000_000n + BigInt(k)}`,
        name: `Sofa Shop ${k}`,
        uri: `sofashop${k}`,
        ...over,
      };
      accounts.set(a.token, a);
      return a;
    },
    /** A Viber person: their id is what the bot sees (base64). */
    user: (name = 'Ann', language = 'en'): FakeViberUser => ({
      id: randomBytes(16).toString('base64'),
      name,
      language,
    }),
    isSubscribed: (a: FakeViberAccount, u: FakeViberUser) =>
      subscribed.get(a.token)?.has(u.id) ?? false,
    messagesTo: (u: FakeViberUser) => messages.filter((m) => m.to === u.id),
    /** The next sends are answered with these statuses, in order. */
    failNext(...statuses: number[]) {
      injected.push(...statuses);
    },
    setFaults(f: ViberFaults) {
      faults = f;
    },
    post,

    /**
     * The person opens the bot's chat (from a deep link with `context`): a
     * conversation_started callback. Its answer is the bot's one welcome message, which Viber
     * shows them (it does not subscribe them).
     */
    async open(
      a: FakeViberAccount,
      u: FakeViberUser,
      { context, token = messageToken() }: { context?: string; token?: string } = {},
    ) {
      const r = await post(a, {
        event: 'conversation_started',
        message_token: token,
        type: 'open',
        ...(context !== undefined ? { context } : {}),
        user: userOf(u),
        subscribed: fake.isSubscribed(a, u),
      });
      if (r.status === 200 && r.body?.type)
        welcomes.push({ account: a.token, to: u.id, body: r.body });
      return r;
    },
    /** The person writes (which subscribes them); `text` or a whole message object. */
    async says(
      a: FakeViberAccount,
      u: FakeViberUser,
      message: string | Record<string, unknown>,
      { token = messageToken() }: { token?: string } = {},
    ) {
      subscribe(a, u.id);
      return post(a, {
        event: 'message',
        message_token: token,
        sender: userOf(u),
        message: typeof message === 'string' ? { type: 'text', text: message } : message,
        silent: false,
      });
    },
    /** A tap on a keyboard's reply button: its ActionBody comes back as the person's text. */
    press: (a: FakeViberAccount, u: FakeViberUser, button: { ActionBody: string }) =>
      fake.says(a, u, { type: 'text', text: button.ActionBody }),
    /** The person subscribes from the bot's info screen. */
    async subscribes(a: FakeViberAccount, u: FakeViberUser) {
      subscribe(a, u.id);
      return post(a, { event: 'subscribed', message_token: messageToken(), user: userOf(u) });
    },
    async unsubscribes(a: FakeViberAccount, u: FakeViberUser) {
      subscribed.get(a.token)?.delete(u.id);
      return post(a, { event: 'unsubscribed', message_token: messageToken(), user_id: u.id });
    },
    /** Viber's receipt for a message it took. */
    receipt(m: FakeViberMessage, event: 'delivered' | 'seen' | 'failed', desc?: string) {
      return post(accounts.get(m.account)!, {
        event,
        message_token: m.token,
        user_id: m.to,
        ...(desc ? { desc } : {}),
      });
    },

    async close() {
      await closeServer(server, hung);
    },
  };
  return fake;
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
