import { swaggerUI } from '@hono/swagger-ui';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ASSETS = '/api/docs/assets';
const TYPES = { 'swagger-ui.css': 'text/css', 'swagger-ui-bundle.js': 'text/javascript' } as const;

/**
 * The interactive reference at /api/docs. Swagger UI's files are served from the installed
 * swagger-ui-dist package rather than a CDN, so the docs work offline and on private networks.
 */
export function docsRoutes() {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, string>();
  return new Hono({ strict: false })
    .get(
      '/api/docs',
      swaggerUI({ url: '/api/openapi.json', title: 'Touchpoint API', baseUrl: ASSETS }),
    )
    .get(`${ASSETS}/swagger-ui-dist/:file`, (c) => {
      const file = c.req.param('file');
      if (!(file in TYPES)) return c.notFound();
      let body = cache.get(file);
      if (body === undefined) cache.set(file, (body = readFileSync(join(dir, file), 'utf8')));
      c.header('Content-Type', TYPES[file as keyof typeof TYPES]);
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(body);
    });
}
