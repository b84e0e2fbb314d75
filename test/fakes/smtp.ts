import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A message as the SMTP server received it, its MIME parts decoded. */
export type ReceivedMail = {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  text: string;
  html: string;
  raw: string;
  at: number;
};

const decodeWords = (s: string) =>
  s.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeQp(data.replace(/_/g, ' ')),
  );

const decodeQp = (s: string) =>
  Buffer.from(
    s
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');

/** Headers (unfolded, lower-case names) and the body of one MIME entity. */
function entity(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

const decodeBody = (e: { headers: Record<string, string>; body: string }) => {
  const enc = (e.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(e.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return decodeQp(e.body);
  return e.body;
};

/** The text and HTML parts of a message (multipart/alternative, or a single part). */
function parts(e: { headers: Record<string, string>; body: string }): {
  text: string;
  html: string;
} {
  const type = e.headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary)
    return /^text\/html/i.test(type)
      ? { text: '', html: decodeBody(e) }
      : { text: decodeBody(e), html: '' };
  const out = { text: '', html: '' };
  for (const piece of e.body.split(`--${boundary}`).slice(1)) {
    if (piece.startsWith('--')) break;
    const p = parts(entity(piece.replace(/^\r?\n/, '')));
    out.text ||= p.text.replace(/\r?\n$/, '');
    out.html ||= p.html.replace(/\r?\n$/, '');
  }
  return out;
}

/**
 * A real SMTP server on loopback (the `smtp-server` package) that keeps what it receives,
 * with AUTH PLAIN/LOGIN against one user (no TLS: loopback). It can be stopped (connections
 * refused) and started again on the same port, answer a temporary 451 to the next messages,
 * or refuse a recipient for good (550).
 */
export async function startSmtpServer({ user = 'alerts', pass = 'smtp-secret' } = {}) {
  const received: ReceivedMail[] = [];
  let tempFailures = 0;
  const refused = new Set<string>();
  let connections = 0;

  const make = () =>
    new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect(_session, cb) {
        connections += 1;
        cb();
      },
      onAuth(auth, _session, cb) {
        if (auth.username === user && auth.password === pass) return cb(null, { user });
        cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo(address, _session, cb) {
        if (refused.has(address.address.toLowerCase()))
          return cb(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (tempFailures > 0) {
            tempFailures -= 1;
            return cb(
              Object.assign(new Error('Try again later: mailbox busy'), { responseCode: 451 }),
            );
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const e = entity(raw);
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: decodeWords(e.headers.subject ?? ''),
            messageId: e.headers['message-id'] ?? '',
            ...parts(e),
            raw,
            at: Date.now(),
          });
          cb();
        });
      },
    });

  let server = make();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = server.listen(port, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
      s.once('error', reject);
    });
  const port = await listen(0);

  return {
    port,
    /** TOUCHPOINT_SMTP_URL for the relay. */
    url: `smtp://${user}:${pass}@127.0.0.1:${port}`,
    received,
    get connections() {
      return connections;
    },
    /** The next `n` messages get 451 (try again later). */
    failNext(n: number) {
      tempFailures += n;
    },
    /** Recipients refused for good (550). */
    refuse(address: string) {
      refused.add(address.toLowerCase());
    },
    /** Stops listening: connections are refused until `start`. */
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async start() {
      server = make();
      await listen(port);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type SmtpServer = Awaited<ReturnType<typeof startSmtpServer>>;
