import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';

export type Listening = { server: ServerType; url: string; close: () => Promise<void> };

/** The one place that calls `serve()`: the CLI server and the test suites both listen through it. */
export function listen(
  app: { fetch: (req: Request, env?: unknown) => Response | Promise<Response> },
  { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {},
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      const url = `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
      resolve({
        server,
        url,
        close: () =>
          new Promise<void>((done) => {
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    server.once('error', reject);
  });
}
