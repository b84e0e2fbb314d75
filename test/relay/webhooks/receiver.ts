import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Received = {
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  path: string;
  headers: Record<string, string>;
  body: string;
};
/** `'hang'`: never answer (the sender's timeout must end the attempt). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';
/** Decides the answer to the n-th request (1-based) of the receiver's life. */
export type Responder = (req: Received, n: number) => Answer;

/**
 * A real webhook receiver on 127.0.0.1 (port 0) that records every request and answers as
 * `respond` says (200 by default). Tests swap the responder to simulate failures.
 */
export async function startReceiver(respond: Responder = () => ({ status: 200 })) {
  const received: Received[] = [];
  let responder = respond;
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Received = {
        at: Date.now(),
        path: req.url ?? '/',
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(', ') : (v ?? ''),
          ]),
        ),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(rec);
      const answer = responder(rec, received.length);
      if (answer !== 'hang') {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? '');
      }
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    respond(fn: Responder) {
      responder = fn;
    },
    /** Resolves with the requests once at least `n` have arrived (rejects after `timeoutMs`). */
    async waitFor(n: number, timeoutMs = 5_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline)
          throw new Error(`receiver got ${received.length} of ${n} requests in time`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received.slice();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** The parsed body when one of the request's signatures verifies with `secret`; throws otherwise. */
export const verify = (secret: string, req: Received) =>
  new Webhook(secret).verify(req.body, req.headers) as {
    type: string;
    timestamp: string;
    data: Record<string, any>;
  };

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5_000,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
