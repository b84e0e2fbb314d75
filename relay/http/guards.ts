import { createMiddleware } from 'hono/factory';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { ApiError } from './errors.js';
import { nestsTooDeep, tooDeep } from './json.js';

/**
 * 413 in the API's envelope for bodies over `maxSize` bytes (checked while streaming, too).
 * `Connection: close` because the rest of the body is discarded, not read: the client must
 * not send its next request on this connection.
 */
export const bodyLimit = (maxSize: number) =>
  honoBodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(
        413,
        `Request body is larger than ${Math.round(maxSize / 1024)} KiB.`,
        {},
        {
          Connection: 'close',
        },
      );
    },
  });

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json(\s*;.*)?$/i;
const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Writes must say they carry JSON (415 otherwise, per RFC 9110 §15.5.16). A write with an
 * empty body and no content type is allowed: actions such as `…/restart/` take no body.
 * A JSON body nesting too deeply is refused here, before any route parses, hashes or
 * stores it; the text read stays cached for the route's validator (Hono's body cache).
 */
export const jsonOnly = () =>
  createMiddleware(async function jsonOnly(c, next) {
    if (WRITES.has(c.req.method)) {
      const type = c.req.header('content-type');
      const length = c.req.header('content-length');
      const hasBody =
        type !== undefined ||
        (length !== undefined && length !== '0') ||
        c.req.header('transfer-encoding');
      if (hasBody && !JSON_TYPE.test(type ?? '')) {
        throw new ApiError(415, 'Send the body as JSON with Content-Type: application/json.');
      }
      if (hasBody && nestsTooDeep(await c.req.text())) throw tooDeep();
    }
    await next();
  });
