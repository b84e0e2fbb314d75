import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './random.js';

/**
 * A fake WhatsApp Cloud API (Graph API) on loopback, speaking its request and answer
 * shapes: `GET /<version>/<phone number id>` (the number, with a Bearer token) and
 * `POST /<version>/<phone number id>/messages` (text, image, document, interactive button
 * and list, template), answering `{"messaging_product":"whatsapp","contacts":[…],
 * "messages":[{"id":"wamid.…"}]}` or a Graph error `{"error":{"message","type","code",
 * "error_subcode"?,"error_data":{"messaging_product","details"},"fbtrace_id"}}`.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 *
 * It enforces what Meta enforces, with Meta's codes: the access token (190), the number's
 * throughput in any one-second window (130429), the pair rate — one message every 6 s to a
 * person with bursts borrowed from the time after (131056), the 24-hour window for
 * free-form messages (131047: at once, or — as Meta mostly does — as a `failed` status
 * webhook after a 200), WhatsApp's length limits (100), unknown templates (132001) and a
 * template's parameter count (132000). It can be told to fail (5xx, hung requests, any code
 * next), and it posts signed webhooks (X-Hub-Signature-256) to the relay: people's messages
 * and button replies, and the statuses of what it accepted.
 */

export type FakeNumber = {
  phoneNumberId: string;
  /** As Meta shows it: `+1 555-010-1234`. */
  display: string;
  verifiedName: string;
  token: string;
  /** Messages a second the number may send (Meta's throughput; 80 by default). */
  mps: number;
  /** Where Meta posts this number's webhooks, and the app secret that signs them. */
  webhook?: { url: string; appSecret: string };
};

export type FakeWaMessage = {
  wamid: string;
  phoneNumberId: string;
  to: string;
  type: string;
  /** The visible text: a text's body, a caption, an interactive body, a template's parameters. */
  text: string;
  body: Record<string, any>;
  at: number;
};

export type FakeWaAttempt = {
  phoneNumberId: string;
  to: string;
  type: string;
  at: number;
  outcome: 'accepted' | 'hang' | string;
};

export type GraphErrorBody = {
  status: number;
  code: number;
  message: string;
  details?: string;
  subcode?: number;
  type?: string;
};

/** Meta's errors as the fake answers them. https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes */
export const ERRORS = {
  token: {
    status: 401,
    code: 190,
    type: 'OAuthException',
    message: 'Invalid OAuth access token - Cannot parse access token',
  },
  throughput: {
    status: 400,
    code: 130429,
    message: '(#130429) Rate limit hit',
    details: 'Cloud API message throughput has been reached.',
  },
  pair: {
    status: 400,
    code: 131056,
    message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  },
  window: {
    status: 400,
    code: 131047,
    message: '(#131047) Re-engagement message',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  undeliverable: {
    status: 400,
    code: 131026,
    message: '(#131026) Message Undeliverable',
    details: 'Message failed to send because of an unknown error with the recipient.',
  },
  unknown: { status: 500, code: 1, message: 'An unknown error occurred' },
  unavailable: { status: 503, code: 2, message: 'Service temporarily unavailable' },
} satisfies Record<string, GraphErrorBody>;

const graphError = (e: GraphErrorBody) => ({
  error: {
    message: e.message,
    type: e.type ?? 'OAuthException',
    code: e.code,
    ...(e.subcode ? { error_subcode: e.subcode } : {}),
    ...(e.details ? { error_data: { messaging_product: 'whatsapp', details: e.details } } : {}),
    fbtrace_id: randomBytes(9).toString('base64url'),
  },
});

const param = (message: string): GraphErrorBody => ({
  status: 400,
  code: 100,
  message: `(#100) ${message}`,
});

export type WaFaults = {
  /** Probability per send of a 500 (code 1). */
  error500?: number;
  /** Probability per send of no answer at all (nothing is sent). */
  hang?: number;
  /** Probability per send of a 130429 (on top of the real throughput limit). */
  throughput?: number;
};

type Template = { name: string; language: string; parameters: number };

export type WhatsAppFake = Awaited<ReturnType<typeof startWhatsAppFake>>;

export async function startWhatsAppFake(
  options: {
    /** 'async' (Meta's usual way): a free-form message outside the window is taken (200) and a `failed` status follows; 'sync': answered 131047 at once. */
    windowErrors?: 'async' | 'sync';
    /** The pair rate's burst (Meta's is 45). */
    pairBurst?: number;
    /** Statuses posted after each accepted message (none: only what a test posts). */
    autoStatuses?: ('sent' | 'delivered' | 'read')[];
  } = {},
) {
  let windowErrors = options.windowErrors ?? 'async';
  const pairBurst = options.pairBurst ?? 45;
  const PAIR_MS = 6_000;
  const WINDOW_MS = 24 * 60 * 60_000;

  const numbers = new Map<string, FakeNumber>();
  const templates: Template[] = [];
  const messages: FakeWaMessage[] = [];
  const attempts: FakeWaAttempt[] = [];
  const webhookPosts: { url: string; status: number; body: unknown }[] = [];
  /** Last inbound message per `<number>|<wa_id>`. */
  const lastInbound = new Map<string, number>();
  const sentTimes = new Map<string, number[]>();
  const pairTat = new Map<string, number>();
  const hung = new Set<ServerResponse>();
  const injected: GraphErrorBody[] = [];
  let faults: WaFaults = {};
  // Faults drawn by probability, the same ones in every run (a new stream per setFaults).
  let random = seededRandom();
  let seq = 0;

  const wamid = () =>
    `wamid.${Buffer.from(`fake-${++seq}-${randomBytes(6).toString('hex')}`).toString('base64')}`;

  /** What stops a send before it is taken, in Meta's order: faults, throughput, pair rate. */
  function refuse(n: FakeNumber, to: string, t: number): GraphErrorBody | 'hang' | null {
    if (faults.hang && random() < faults.hang) return 'hang';
    const next = injected.shift();
    if (next) return next;
    if (faults.error500 && random() < faults.error500) return ERRORS.unknown;
    if (faults.throughput && random() < faults.throughput) return ERRORS.throughput;
    const times = (sentTimes.get(n.phoneNumberId) ?? []).filter((x) => x > t - 1000);
    sentTimes.set(n.phoneNumberId, times);
    if (times.length >= n.mps) return ERRORS.throughput;
    // The pair rate as a generic cell rate: `tat` runs 6 s ahead per message; a message is
    // refused when it would run more than the burst ahead of now.
    const key = `${n.phoneNumberId}|${to}`;
    const tat = Math.max(pairTat.get(key) ?? 0, t);
    if (tat - t > (pairBurst - 1) * PAIR_MS) return ERRORS.pair;
    return null;
  }

  function accept(n: FakeNumber, to: string, t: number) {
    sentTimes.get(n.phoneNumberId)!.push(t);
    const key = `${n.phoneNumberId}|${to}`;
    pairTat.set(key, Math.max(pairTat.get(key) ?? 0, t) + PAIR_MS);
  }

  /** Checks a message object as Meta does; the visible text, or the error. */
  function validate(m: Record<string, any>): { text: string } | GraphErrorBody {
    if (m.messaging_product !== 'whatsapp')
      return param('The parameter messaging_product is required.');
    if (typeof m.to !== 'string' || !/^\+?[0-9]{5,20}$/.test(m.to))
      return param('Invalid parameter: to');
    switch (m.type) {
      case 'text': {
        const body = m.text?.body;
        if (typeof body !== 'string' || !body.trim())
          return param('The parameter text[body] is required.');
        if ([...body].length > 4096)
          return param('Param text[body] must be at most 4096 characters long.');
        return { text: body };
      }
      case 'image':
      case 'document': {
        const media = m[m.type];
        if (!media?.link) return param(`The parameter ${m.type}[link] is required.`);
        if (media.caption && [...media.caption].length > 1024)
          return param(`Param ${m.type}[caption] must be at most 1024 characters long.`);
        return { text: media.caption ?? '' };
      }
      case 'interactive': {
        const i = m.interactive;
        const body = i?.body?.text;
        if (typeof body !== 'string' || !body)
          return param('The parameter interactive[body][text] is required.');
        if ([...body].length > 1024)
          return param('Param interactive[body][text] must be at most 1024 characters long.');
        if (i.type === 'button') {
          const buttons = i.action?.buttons ?? [];
          if (!buttons.length || buttons.length > 3)
            return param('Param interactive[action][buttons] must contain 1 to 3 buttons.');
          const titles = buttons.map((b: any) => b.reply?.title ?? '');
          if (titles.some((t: string) => !t || [...t].length > 20))
            return param(
              'Param interactive[action][buttons][reply][title] must be at most 20 characters long.',
            );
          if (new Set(titles).size !== titles.length) return param('Button titles must be unique.');
          if (i.header && i.header.type === 'image' && !i.header.image?.link)
            return param('The parameter interactive[header][image][link] is required.');
        } else if (i.type === 'list') {
          const rows = (i.action?.sections ?? []).flatMap((s: any) => s.rows ?? []);
          if (!rows.length || rows.length > 10) return param('A list must have 1 to 10 rows.');
          if (!i.action.button || [...i.action.button].length > 20)
            return param('Param interactive[action][button] must be at most 20 characters long.');
          if (rows.some((r: any) => !r.title || [...r.title].length > 24))
            return param(
              'Param interactive[action][sections][rows][title] must be at most 24 characters long.',
            );
          if (rows.some((r: any) => r.description && [...r.description].length > 72))
            return param(
              'Param interactive[action][sections][rows][description] must be at most 72 characters long.',
            );
          if (i.header && i.header.type !== 'text')
            return param('A list message header must be of type text.');
        } else return param('Invalid interactive type.');
        return { text: body };
      }
      case 'template': {
        const t = m.template;
        const known = templates.find((x) => x.name === t?.name && x.language === t?.language?.code);
        if (!known)
          return {
            status: 404,
            code: 132001,
            message: '(#132001) Template name does not exist in the translation',
            details: `template name (${t?.name}) does not exist in ${t?.language?.code}`,
          };
        const params = (t.components ?? [])
          .filter((c: any) => c.type === 'body')
          .flatMap((c: any) => c.parameters ?? []);
        if (params.length !== known.parameters)
          return {
            status: 400,
            code: 132000,
            message: '(#132000) Number of parameters does not match the expected number of params',
            details: `body: number of localizable_params (${params.length}) does not match the expected number of params (${known.parameters})`,
          };
        if (
          params.some(
            (p: any) => typeof p.text !== 'string' || !p.text || /[\n\t]| {5}/.test(p.text),
          )
        )
          return {
            status: 400,
            code: 132018,
            message: '(#132018) There was an issue with the parameters in your template.',
            details:
              'Param text cannot have new-line/tab characters or more than 4 consecutive spaces',
          };
        return { text: `[${known.name}] ${params.map((p: any) => p.text).join(' | ')}` };
      }
      default:
        return param(`Invalid parameter: type ${m.type}`);
    }
  }

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const server = createServer(async (req, res) => {
    const arrived = Date.now();
    const reply = (status: number, body: unknown) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (e: GraphErrorBody) => reply(e.status, graphError(e));
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/v[0-9]+\.[0-9]+\/([0-9]+)(\/messages)?$/.exec(url.pathname);
    const body = await readBody(req);
    if (!match)
      return fail({
        status: 400,
        code: 2500,
        message: 'Unknown path components',
        type: 'OAuthException',
      });
    const [, id, messagesPath] = match;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const number = numbers.get(id);
    if (!token || ![...numbers.values()].some((n) => n.token === token)) return fail(ERRORS.token);
    if (!number || number.token !== token)
      return fail({
        status: 400,
        code: 100,
        subcode: 33,
        type: 'GraphMethodException',
        message: `Unsupported ${messagesPath ? 'post' : 'get'} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      });
    if (!messagesPath) {
      if (req.method !== 'GET') return fail(param('Unsupported method.'));
      return reply(200, {
        verified_name: number.verifiedName,
        display_phone_number: number.display,
        id: number.phoneNumberId,
      });
    }
    if (req.method !== 'POST') return fail(param('Unsupported method.'));
    let m: Record<string, any>;
    try {
      m = JSON.parse(body);
    } catch {
      return fail(param('Invalid JSON'));
    }
    const to = String(m.to ?? '').replace(/^\+/, '');
    const attempt: FakeWaAttempt = {
      phoneNumberId: id,
      to,
      type: String(m.type),
      at: arrived,
      outcome: 'accepted',
    };
    attempts.push(attempt);
    const checked = validate(m);
    if ('code' in checked) {
      attempt.outcome = String(checked.code);
      return fail(checked);
    }
    const refused = refuse(number, to, arrived);
    if (refused === 'hang') {
      attempt.outcome = 'hang';
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    if (refused) {
      attempt.outcome = String(refused.code);
      return fail(refused);
    }
    const inWindow = arrived - (lastInbound.get(`${id}|${to}`) ?? -Infinity) < WINDOW_MS;
    if (m.type !== 'template' && !inWindow && windowErrors === 'sync') {
      attempt.outcome = '131047';
      return fail(ERRORS.window);
    }
    accept(number, to, arrived);
    const message: FakeWaMessage = {
      wamid: wamid(),
      phoneNumberId: id,
      to,
      type: m.type,
      text: checked.text,
      body: m,
      at: arrived,
    };
    reply(200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: m.to, wa_id: to }],
      messages: [
        { id: message.wamid, ...(m.type === 'template' ? { message_status: 'accepted' } : {}) },
      ],
    });
    if (m.type !== 'template' && !inWindow) {
      // Meta takes the message, then says it failed.
      attempt.outcome = '131047 (status)';
      void later(() => fake.postStatus(message, 'failed', ERRORS.window));
      return;
    }
    messages.push(message);
    for (const status of options.autoStatuses ?? [])
      void later(() => fake.postStatus(message, status));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  /** Webhooks go out after the answer, as Meta's do; in order, one after the other. */
  let chain = Promise.resolve();
  const later = (fn: () => Promise<unknown>) => {
    chain = chain
      .then(() => new Promise((r) => setTimeout(r, 5)))
      .then(fn)
      .then(
        () => {},
        () => {},
      );
    return chain;
  };

  const sign = (secret: string, raw: string) =>
    `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

  const envelope = (n: FakeNumber, value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: n.display.replace(/[^0-9]/g, ''),
                phone_number_id: n.phoneNumberId,
              },
              ...value,
            },
          },
        ],
      },
    ],
  });

  const fake = {
    /** The base URL to give the relay as `whatsappApiUrl` (WHATSAPP_API_URL). */
    url: `http://127.0.0.1:${port}`,
    messages,
    attempts,
    webhookPosts,
    numbers,

    /** Registers a business number: its token works, and the Graph API knows its id. */
    addNumber(over: Partial<FakeNumber> = {}): FakeNumber {
      const k = numbers.size + 1;
      const n: FakeNumber = {
        phoneNumberId: String(106540352242900 + k + Math.floor(Math.random() * 1000) * 100),
        display: `+1 555-010-${String(1000 + k).slice(-4)}`,
        verifiedName: `Shop ${k}`,
        token: `EAAG${randomBytes(24).toString('hex')}`,
        mps: 80,
        ...over,
      };
      numbers.set(n.phoneNumberId, n);
      return n;
    },
    /** Where the number's webhooks go (the callback URL pasted in Meta's dashboard). */
    subscribe(n: FakeNumber, url: string, appSecret: string) {
      n.webhook = { url, appSecret };
    },
    /** An approved template with this many body parameters. */
    addTemplate(name: string, language: string, parameters: number) {
      templates.push({ name, language, parameters });
    },
    /** The next sends are answered with these errors, in order. */
    failNext(...errors: GraphErrorBody[]) {
      injected.push(...errors);
    },
    setFaults(f: WaFaults) {
      faults = f;
      random = seededRandom();
    },
    /** How a free-form message outside the window fails: at once (sync) or by a status (async). */
    setWindowErrors(mode: 'async' | 'sync') {
      windowErrors = mode;
    },
    /** Notes that a person wrote to the number now (their window opens), without a webhook. */
    userWrote(n: FakeNumber, waId: string) {
      lastInbound.set(`${n.phoneNumberId}|${waId}`, Date.now());
    },
    /** Forgets a person's last message: the window to them is closed. */
    closeWindow(n: FakeNumber, waId: string) {
      lastInbound.delete(`${n.phoneNumberId}|${waId}`);
    },
    messagesTo: (waId: string) => messages.filter((m) => m.to === waId),

    /** Meta's webhook verification: a GET with hub.mode, hub.verify_token and hub.challenge. */
    async verify(
      url: string,
      verifyToken: string,
      challenge = String(Math.floor(Math.random() * 1e9)),
    ) {
      const u = new URL(url);
      u.searchParams.set('hub.mode', 'subscribe');
      u.searchParams.set('hub.verify_token', verifyToken);
      u.searchParams.set('hub.challenge', challenge);
      const res = await fetch(u);
      return { status: res.status, body: await res.text(), challenge };
    },

    /** Posts a webhook for the number, signed with its app secret (or `secret` to forge one). */
    async post(
      n: FakeNumber,
      value: Record<string, unknown>,
      { secret, raw }: { secret?: string; raw?: string } = {},
    ) {
      if (!n.webhook) throw new Error('subscribe the number to a webhook first');
      const text = raw ?? JSON.stringify(envelope(n, value));
      const res = await fetch(n.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': sign(secret ?? n.webhook.appSecret, text),
        },
        body: text,
      });
      const answer = await res.text();
      webhookPosts.push({ url: n.webhook.url, status: res.status, body: answer });
      return { status: res.status, body: answer };
    },

    /** A person writes to the number (this opens their 24-hour window). */
    async userSends(
      n: FakeNumber,
      person: { waId: string; name?: string },
      message: Record<string, unknown>,
      id = wamid(),
    ) {
      lastInbound.set(`${n.phoneNumberId}|${person.waId}`, Date.now());
      return fake.post(n, {
        contacts: [{ profile: { name: person.name ?? 'Ann' }, wa_id: person.waId }],
        messages: [
          { from: person.waId, id, timestamp: String(Math.floor(Date.now() / 1000)), ...message },
        ],
      });
    },
    text: (n: FakeNumber, person: { waId: string; name?: string }, body: string, id?: string) =>
      fake.userSends(n, person, { type: 'text', text: { body } }, id),
    /** A tap on a reply button or a list row of an interactive message. */
    press: (
      n: FakeNumber,
      person: { waId: string; name?: string },
      reply: { id: string; title: string },
      kind: 'button' | 'list' = 'button',
    ) =>
      fake.userSends(n, person, {
        type: 'interactive',
        interactive:
          kind === 'button'
            ? { type: 'button_reply', button_reply: reply }
            : { type: 'list_reply', list_reply: reply },
      }),

    /** A status webhook for a message the fake took: sent, delivered, read, or failed with an error. */
    postStatus(
      m: FakeWaMessage,
      status: 'sent' | 'delivered' | 'read' | 'failed',
      error?: GraphErrorBody,
    ) {
      const n = numbers.get(m.phoneNumberId)!;
      return fake.post(n, {
        statuses: [
          {
            id: m.wamid,
            status,
            timestamp: String(Math.floor(Date.now() / 1000)),
            recipient_id: m.to,
            ...(error
              ? {
                  errors: [
                    {
                      code: error.code,
                      title: error.message.replace(/^\(#\d+\) /, ''),
                      message: error.message.replace(/^\(#\d+\) /, ''),
                      error_data: { details: error.details ?? '' },
                      href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
                    },
                  ],
                }
              : {
                  conversation: {
                    id: randomBytes(16).toString('hex'),
                    origin: { type: 'service' },
                  },
                  pricing: { billable: true, pricing_model: 'PMP', category: 'service' },
                }),
          },
        ],
      });
    },

    /** Webhooks queued so far have been posted. */
    settled: () => chain,

    async close() {
      for (const res of hung) res.destroy();
      await chain;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
