import { request } from 'node:http';
import { Worker } from 'node:worker_threads';

export type Answer = { status: number; body: any; retryAfter: string | null; ms: number };

/**
 * A JSON POST sent from a chosen loopback address: Linux routes all of 127.0.0.0/8 to the
 * loopback interface, so binding the client socket to 127.0.0.2 makes the relay see a
 * second, real client address (no forwarded header to trust). One connection per request.
 */
export function postFrom(base: string, path: string, body: unknown, localAddress: string) {
  const url = new URL(path, base);
  const payload = JSON.stringify(body);
  const started = performance.now();
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            body: JSON.parse(text),
            retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** `login(email, password)` from one address. */
export const loginFrom =
  (base: string, address: string) =>
  (email: string, password: string): Promise<Answer> =>
    postFrom(base, '/api/auth/login/', { email, password }, address);

/** The flood client: plain JavaScript for a worker thread (see `floodFrom`). */
const FLOOD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { request } = require('node:http');
const { url, logins } = workerData;
const base = new URL('/api/auth/login/', url);
const started = performance.now();
const send = ({ address, email, password }) => new Promise((resolve) => {
  const payload = JSON.stringify({ email, password });
  const req = request({
    host: base.hostname, port: base.port, path: base.pathname, method: 'POST',
    localAddress: address, agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
  }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('end', () => resolve({
      status: res.statusCode, body: JSON.parse(text),
      retryAfter: res.headers['retry-after'] ?? null, ms: performance.now() - started,
    }));
  });
  req.on('error', (err) => resolve({ status: 0, body: { error: String(err) }, retryAfter: null, ms: 0 }));
  req.end(payload);
});
const all = Promise.all(logins.map(send));
setImmediate(() => parentPort.postMessage({ sent: true }));
all.then((answers) => parentPort.postMessage({ answers }));
`;

export type FloodLogin = { address: string; email: string; password: string };

/**
 * Sends every login at once from a worker thread, as an attacker on another machine would:
 * the flood's client work does not run on the relay's event loop. `sent` resolves once the
 * requests are on their way, `answers` with every answer, in order.
 */
export function floodFrom(url: string, logins: FloodLogin[]) {
  const worker = new Worker(FLOOD_WORKER, { eval: true, workerData: { url, logins } });
  let onSent!: () => void;
  const sent = new Promise<void>((resolve) => (onSent = resolve));
  const answers = new Promise<Answer[]>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (m: { sent?: true; answers?: Answer[] }) => {
      if (m.sent) onSent();
      if (m.answers) {
        resolve(m.answers);
        void worker.terminate();
      }
    });
  });
  return { sent, answers };
}
