import type { Context } from 'hono';

/**
 * The peer address of the TCP connection (from @hono/node-server's `incoming`). Forwarded
 * headers are not trusted: a relay behind a proxy should set the proxy's own limits.
 */
export function clientIp(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
