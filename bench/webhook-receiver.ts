/**
 * A webhook receiver for bench/delivery.ts, in its own process so that receiving does not
 * share the relay's event loop. It verifies every request's Standard Webhooks signature
 * with the `standardwebhooks` library, as a consumer would, and counts.
 *
 * IPC: sends `{port}` when listening; answers `{type:'secret', secret}` and `{type:'stats'}`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

let webhook: Webhook | undefined;
const stats = { received: 0, verified: 0, failed: 0, duplicates: 0 };
const seen = new Set<string>();

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    stats.received += 1;
    const headers = req.headers as Record<string, string>;
    try {
      webhook!.verify(Buffer.concat(chunks).toString('utf8'), headers);
      stats.verified += 1;
    } catch {
      stats.failed += 1;
    }
    const id = headers['webhook-id'];
    if (seen.has(id)) stats.duplicates += 1;
    else seen.add(id);
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;

server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});

process.on('message', (msg: { type: string; secret?: string }) => {
  if (msg.type === 'secret') {
    webhook = new Webhook(msg.secret!);
    process.send!({ type: 'ready' });
  } else if (msg.type === 'stats') process.send!({ type: 'stats', ...stats });
});
process.on('disconnect', () => process.exit(0));
