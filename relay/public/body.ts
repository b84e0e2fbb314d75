import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { ApiError } from '../http/errors.js';
import { parseJsonBody } from '../http/json.js';

/**
 * Reading the hot path's request without building a WHATWG Request. On @hono/node-server,
 * the first touch of `c.req.raw.body` (or `c.req.json()`) turns Node's IncomingMessage
 * into a fetch Request with a web ReadableStream and an AbortController — tens of
 * microseconds and several objects per request, a good part of a lead's whole cost.
 * The intake reads the headers and the body from Node's own objects when it runs there,
 * and falls back to the standard API elsewhere (`app.request()` in tests).
 */
const incomingOf = (c: Context): IncomingMessage | undefined =>
  (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;

/**
 * A request header (`name` in lower case; the first one if repeated), found in Node's raw
 * header list when available: cheaper than building `incoming.headers` or a fetch Headers.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.header(name);
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === name.length && raw[i].toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

const tooLarge = (limit: number) =>
  new ApiError(
    413,
    `Request body is larger than ${Math.round(limit / 1024)} KiB.`,
    {},
    {
      // The rest of the body is not read: the client must not reuse this connection.
      Connection: 'close',
    },
  );

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json(\s*;.*)?$/i;

/**
 * The body of a JSON write, parsed: 415 unless it says it is JSON (RFC 9110 §15.5.16),
 * 413 past `limit` bytes (declared or streamed), 400 when it does not parse or nests too
 * deeply (relay/http/json.ts, shared with the management API).
 */
export async function readJson(c: Context, limit: number): Promise<unknown> {
  const type = requestHeader(c, 'content-type');
  const length = requestHeader(c, 'content-length');
  if (type === undefined ? length !== undefined && length !== '0' : !JSON_TYPE.test(type))
    throw new ApiError(415, 'Send the body as JSON with Content-Type: application/json.');
  if (length !== undefined && Number(length) > limit) throw tooLarge(limit);
  const incoming = incomingOf(c);
  const text = incoming ? await readStream(incoming, limit) : await c.req.text();
  if (text.length > limit) throw tooLarge(limit);
  return parseJsonBody(text);
}

/** Node's request stream as UTF-8 text, refusing it past `limit` bytes. */
function readStream(incoming: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.off('data', onData);
        incoming.pause();
        reject(tooLarge(limit));
      } else chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () =>
      resolve(
        chunks.length === 1
          ? chunks[0].toString('utf8')
          : Buffer.concat(chunks, size).toString('utf8'),
      ),
    );
    incoming.once('error', reject);
    // A client that goes away mid-body: 'close' without a complete message.
    incoming.once('close', () => {
      if (!incoming.complete) reject(new ApiError(400, 'The request body was cut short.'));
    });
  });
}
