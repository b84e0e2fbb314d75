import { createRoute, z } from '@hono/zod-openapi';
import { owned, ShopQuery } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { createRouter, errorResponse, errorResponses, IdParam, security } from '../http/api.js';
import { ApiError, notFound } from '../http/errors.js';

/** Pictures a browser shows as they are; SVG (which may carry script) is not one of them. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const UNAVAILABLE = 'The image could not be loaded from where the message points.';

const image = createRoute({
  tags: ['messages'],
  security,
  method: 'get',
  path: '/messages/{id}/image',
  operationId: 'getMessageImage',
  summary:
    'The picture of a message (its image_url), fetched by the relay: a console under a strict CSP shows it without loading other sites',
  request: { params: IdParam, query: ShopQuery },
  responses: {
    200: {
      description: 'The image (PNG, JPEG, GIF or WebP, at most 5 MiB)',
      headers: {
        'Cache-Control': { description: '`private, max-age=3600`', schema: { type: 'string' } },
      },
      content: {
        'image/png': { schema: z.string().openapi({ format: 'binary' }) },
        'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) },
        'image/gif': { schema: z.string().openapi({ format: 'binary' }) },
        'image/webp': { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    ...errorResponses,
    503: errorResponse(503, 'The image’s site did not answer with an image.', UNAVAILABLE),
  },
});

/**
 * `GET /api/bot/messages/:id/image/`: the relay fetches a message's image through its one
 * outbound client — a shop-supplied URL, so private and loopback addresses are refused at
 * connect time — and hands it to the console, whose CSP allows images from itself only.
 */
export function messageImageRoutes({ stores, outbound }: Deps) {
  return createRouter().openapi(image, async (c) => {
    const message = owned(
      c.var.principal,
      await stores.messages.get(c.req.valid('param').id),
      'Message',
      c.req.valid('query').shop_id,
    );
    const url = message.payload.image_url;
    if (!url || !/^https?:\/\//i.test(url)) throw notFound('Image');
    let answer;
    try {
      answer = await outbound.toShopUrl(url, {
        method: 'GET',
        timeoutMs: 10_000,
        maxBytes: MAX_IMAGE_BYTES + 1,
        headers: { accept: [...IMAGE_TYPES].join(', ') },
      });
    } catch {
      throw new ApiError(503, UNAVAILABLE);
    }
    const type = String(answer.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (answer.status !== 200 || answer.truncated || !IMAGE_TYPES.has(type))
      throw new ApiError(503, UNAVAILABLE);
    return c.body(new Uint8Array(answer.body), 200, {
      'Content-Type': type,
      'Cache-Control': 'private, max-age=3600',
      'X-Content-Type-Options': 'nosniff',
    }) as never;
  });
}
