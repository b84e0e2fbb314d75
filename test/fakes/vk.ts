import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, readBody } from './http.js';

/**
 * A fake VK API on loopback, speaking its request and answer shapes: `POST /method/<name>`
 * with form-encoded parameters, `access_token` and `v`, answered `{"response": …}` or
 * `{"error":{"error_code","error_msg","request_params"}}` — `groups.getById` (the token's
 * community, 5.199's `{groups, profiles}`), `messages.send`, `messages.sendMessageEventAnswer`.
 * https://dev.vk.com/en/api/api-requests
 *
 * It enforces what VK enforces, with VK's codes: the token (5), the version (8), requests a
 * second per community token (6), sends only to people who wrote to the community or allowed
 * its messages (901), random_id (100 when missing; a random_id seen before sends nothing
 * again and answers the first message's id), the text's length (914), the inline keyboard's
 * shape (911), and a press's answer only for a press that happened (100). It can be told to
 * fail (any code next, flood control 9 at random, 10, no answer, or an answer lost after the
 * message was taken). It posts Callback API events to the community's server with its secret,
 * and checks the server's confirmation.
 */

export type FakeCommunity = {
  id: number;
  name: string;
  screen_name: string;
  token: string;
  /** requests a second its token may make */
  rps: number;
  /** The Callback API server: its address, the secret key and the confirmation string. */
  server?: { url: string; secret: string; confirmation: string; confirmed: boolean };
};

export type FakeVkUser = { id: number; name: string; langId?: number };

export type FakeVkMessage = {
  id: number;
  group: number;
  peer: number;
  randomId: number;
  text: string;
  keyboard: any | null;
  at: number;
};

export type VkAttempt = { group: number; peer: number; at: number; outcome: string };

export type VkFaults = {
  /** Probability per send of flood control (9). */
  flood?: number;
  /** Probability per send of an internal error (10). */
  internal?: number;
  /** Probability per send of no answer at all (nothing is sent). */
  hang?: number;
  /** Probability per send that the message is taken and its answer never comes. */
  lostAnswer?: number;
};

const MESSAGES: Record<number, string> = {
  5: 'User authorization failed: invalid access_token (4).',
  6: 'Too many requests per second',
  8: 'Invalid request: v (version) is required',
  9: 'Flood control',
  10: 'Internal server error: could not send message',
  100: 'One of the parameters specified was missing or invalid',
  901: "Can't send messages for users without permission",
  911: 'Keyboard format is invalid',
  914: 'Message is too long',
};

export type VkFake = Awaited<ReturnType<typeof startVkFake>>;

export async function startVkFake() {
  const communities = new Map<string, FakeCommunity>();
  /** People who may be written to, per community. */
  const allowed = new Map<number, Set<number>>();
  const messages: FakeVkMessage[] = [];
  const byRandomId = new Map<string, FakeVkMessage>();
  const answers: { event_id: string; user_id: number; event_data: any }[] = [];
  const pendingPresses = new Set<string>();
  const attempts: VkAttempt[] = [];
  const calls = new Map<string, number[]>();
  const injected: number[] = [];
  let loseAnswers = 0;
  const hung = new Set<ServerResponse>();
  let faults: VkFaults = {};
  let seq = 0;
  let messageIds = 1000;

  /** VK's inline keyboard rules; true when the keyboard is one VK takes. */
  function keyboardOk(raw: string): boolean {
    let k: any;
    try {
      k = JSON.parse(raw);
    } catch {
      return false;
    }
    if (!k || !Array.isArray(k.buttons) || k.inline !== true) return false;
    if (k.buttons.length > 6) return false;
    let total = 0;
    for (const row of k.buttons) {
      if (!Array.isArray(row) || !row.length || row.length > 5) return false;
      for (const b of row) {
        total += 1;
        const a = b?.action;
        if (!a || typeof a.label !== 'string' || !a.label || [...a.label].length > 40) return false;
        if (a.type === 'callback') {
          if (typeof a.payload !== 'string' || a.payload.length > 255) return false;
          try {
            JSON.parse(a.payload);
          } catch {
            return false;
          }
        } else if (a.type === 'open_link') {
          if (typeof a.link !== 'string' || !/^https?:\/\//.test(a.link)) return false;
        } else return false;
      }
    }
    return total <= 10;
  }

  const server = createServer(async (req, res) => {
    const arrived = Date.now();
    const params = new URLSearchParams(await readBody(req));
    const method = /^\/method\/([A-Za-z.]+)$/.exec(
      new URL(req.url ?? '/', 'http://f').pathname,
    )?.[1];
    const reply = (body: unknown) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const fail = (code: number) =>
      reply({
        error: {
          error_code: code,
          error_msg: MESSAGES[code] ?? 'Unknown error occurred',
          // VK echoes the parameters, never the token.
          request_params: [...params.entries()]
            .filter(([k]) => k !== 'access_token')
            .map(([key, value]) => ({ key, value })),
        },
      });
    const c = communities.get(params.get('access_token') ?? '');
    if (req.method !== 'POST' || !method) return fail(3);
    if (!c) return fail(5);
    if (!params.get('v')) return fail(8);
    const window = (calls.get(c.token) ?? []).filter((t) => t > arrived - 1000);
    if (window.length >= c.rps) {
      calls.set(c.token, window);
      if (method === 'messages.send')
        attempts.push({
          group: c.id,
          peer: Number(params.get('peer_id')),
          at: arrived,
          outcome: '6',
        });
      return fail(6);
    }
    calls.set(c.token, [...window, arrived]);

    if (method === 'groups.getById')
      return reply({
        response: {
          groups: [
            {
              id: c.id,
              name: c.name,
              screen_name: c.screen_name,
              is_closed: 0,
              type: 'group',
              photo_50: 'https://sun1.userapi.com/s/v1/ig2/example.jpg',
            },
          ],
          profiles: [],
        },
      });
    if (method === 'messages.sendMessageEventAnswer') {
      const eventId = params.get('event_id') ?? '';
      if (!pendingPresses.delete(eventId)) return fail(100);
      const data = params.get('event_data');
      answers.push({
        event_id: eventId,
        user_id: Number(params.get('user_id')),
        event_data: data ? JSON.parse(data) : null,
      });
      return reply({ response: 1 });
    }
    if (method !== 'messages.send') return fail(3);
    const peer = Number(params.get('peer_id'));
    const attempt: VkAttempt = { group: c.id, peer, at: arrived, outcome: 'accepted' };
    attempts.push(attempt);
    const done = (code: number) => {
      attempt.outcome = String(code);
      return fail(code);
    };
    const randomId = params.get('random_id');
    if (!Number.isInteger(peer) || peer <= 0) return done(100);
    if (randomId === null || !/^-?\d+$/.test(randomId)) return done(100);
    const text = params.get('message') ?? '';
    if (!text) return done(100);
    if ([...text].length > 4096) return done(914);
    const keyboard = params.get('keyboard');
    if (keyboard !== null && !keyboardOk(keyboard)) return done(911);
    if (faults.hang && Math.random() < faults.hang) {
      attempt.outcome = 'hang';
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    const next = injected.shift();
    if (next !== undefined) return done(next);
    if (faults.flood && Math.random() < faults.flood) return done(9);
    if (faults.internal && Math.random() < faults.internal) return done(10);
    if (!allowed.get(c.id)?.has(peer)) return done(901);
    // One message per random_id: a send repeated after a lost answer is not a second one.
    const key = `${c.id}|${peer}|${randomId}`;
    const earlier = byRandomId.get(key);
    if (earlier) {
      attempt.outcome = 'same random_id';
      return reply({ response: earlier.id });
    }
    const m: FakeVkMessage = {
      id: ++messageIds,
      group: c.id,
      peer,
      randomId: Number(randomId),
      text,
      keyboard: keyboard ? JSON.parse(keyboard) : null,
      at: arrived,
    };
    messages.push(m);
    byRandomId.set(key, m);
    if (loseAnswers > 0 || (faults.lostAnswer && Math.random() < faults.lostAnswer)) {
      loseAnswers = Math.max(0, loseAnswers - 1);
      // Taken, and the answer is lost on its way: the relay times out and sends it again.
      attempt.outcome = 'lost answer';
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    reply({ response: m.id });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const allow = (c: FakeCommunity, userId: number) => {
    const set = allowed.get(c.id) ?? new Set<number>();
    set.add(userId);
    allowed.set(c.id, set);
  };

  const fake = {
    /** The base URL to give the relay as `vkApiUrl` (VK_API_URL). */
    url: `http://127.0.0.1:${port}/method`,
    communities,
    messages,
    answers,
    attempts,

    /** A community with a token that has access to its messages. */
    addCommunity(over: Partial<FakeCommunity> = {}): FakeCommunity {
      const k = communities.size + 1;
      const c: FakeCommunity = {
        id: 218_900_000 + k + Math.floor(Math.random() * 1000) * 10,
        name: `Sofa Shop ${k}`,
        screen_name: `sofashop${k}`,
        token: `vk1.a.${randomBytes(60).toString('base64url')}`,
        rps: 20,
        ...over,
      };
      communities.set(c.token, c);
      return c;
    },
    user: (name = 'Ann', langId = 3): FakeVkUser => ({
      id: 100_000 + Math.floor(Math.random() * 1e8),
      name,
      langId,
    }),
    messagesTo: (u: FakeVkUser) => messages.filter((m) => m.peer === u.id),
    failNext(...codes: number[]) {
      injected.push(...codes);
    },
    setFaults(f: VkFaults) {
      faults = f;
    },
    /** The next `n` messages are taken and their answers lost. */
    loseNextAnswers(n: number) {
      loseAnswers += n;
    },

    /**
     * The owner adds the server in the community's Callback API settings; VK confirms it at
     * once: the server must answer the confirmation string.
     */
    async addServer(c: FakeCommunity, url: string, secret: string) {
      const confirmation = randomBytes(4).toString('hex');
      c.server = { url, secret, confirmation, confirmed: false };
      return confirmation;
    },
    async confirm(c: FakeCommunity) {
      const s = c.server!;
      const res = await fetch(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'confirmation', group_id: c.id, secret: s.secret }),
      });
      const text = await res.text();
      s.confirmed = res.status === 200 && text === s.confirmation;
      return { status: res.status, text };
    },

    /** Posts an event to the community's server (`secret` to forge one); answers status and text. */
    async post(
      c: FakeCommunity,
      type: string,
      object: Record<string, unknown>,
      {
        secret,
        eventId = randomBytes(20).toString('hex'),
      }: { secret?: string | null; eventId?: string } = {},
    ) {
      const s = c.server;
      if (!s) throw new Error('add the server first');
      const body = {
        group_id: c.id,
        type,
        event_id: eventId,
        v: '5.199',
        object,
        ...(secret === null ? {} : { secret: secret ?? s.secret }),
      };
      const res = await fetch(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text(), eventId };
    },

    /** The person writes to the community (which allows its messages); `ref` from a vk.me link. */
    async writes(
      c: FakeCommunity,
      u: FakeVkUser,
      text: string,
      { ref, id = ++seq, eventId }: { ref?: string; id?: number; eventId?: string } = {},
    ) {
      allow(c, u.id);
      return fake.post(
        c,
        'message_new',
        {
          message: {
            date: Math.floor(Date.now() / 1000),
            from_id: u.id,
            id,
            out: 0,
            attachments: [],
            conversation_message_id: id,
            fwd_messages: [],
            important: false,
            is_hidden: false,
            peer_id: u.id,
            random_id: 0,
            text,
            ...(ref !== undefined ? { ref, ref_source: 'shop_site' } : {}),
          },
          client_info: {
            button_actions: ['text', 'vkpay', 'open_app', 'location', 'open_link', 'callback'],
            keyboard: true,
            inline_keyboard: true,
            carousel: true,
            lang_id: u.langId ?? 0,
          },
        },
        { eventId },
      );
    },
    /** A press on a message's callback button: a message_event VK expects an answer to. */
    async press(
      c: FakeCommunity,
      u: FakeVkUser,
      button: any,
      { pressId = randomBytes(6).toString('hex') } = {},
    ) {
      pendingPresses.add(pressId);
      return {
        pressId,
        ...(await fake.post(c, 'message_event', {
          user_id: u.id,
          peer_id: u.id,
          event_id: pressId,
          payload: JSON.parse(button.action.payload),
          conversation_message_id: ++seq,
        })),
      };
    },
    /** Notes that a person wrote to the community (it may write to them), without an event. */
    allowSilently(c: FakeCommunity, userId: number) {
      allow(c, userId);
    },
    async allows(c: FakeCommunity, u: FakeVkUser) {
      allow(c, u.id);
      return fake.post(c, 'message_allow', { user_id: u.id, key: 'shop_site' });
    },
    async denies(c: FakeCommunity, u: FakeVkUser) {
      allowed.get(c.id)?.delete(u.id);
      return fake.post(c, 'message_deny', { user_id: u.id });
    },

    async close() {
      await closeServer(server, hung);
    },
  };
  return fake;
}
