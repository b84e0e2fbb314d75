import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** A request's body, as text. */
export const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Stops a fake: the requests it holds unanswered are dropped, then the server closes. */
export async function closeServer(server: Server, hung: Set<ServerResponse>) {
  for (const res of hung) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
