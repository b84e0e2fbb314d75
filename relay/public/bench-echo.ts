import { Hono } from 'hono';

/**
 * `POST /bench/echo`: answers its JSON body back. It exists only when the relay starts with
 * TOUCHPOINT_BENCH_ECHO=1 (bench/ingest.ts sets it), as the baseline the lead intake is
 * measured against: the same server, HTTP stack and JSON work, with no lead logic at all.
 */
export const benchEchoEnabled = (env: Record<string, string | undefined> = process.env) =>
  env.TOUCHPOINT_BENCH_ECHO === '1';

export const benchEchoRoutes = () =>
  new Hono().post('/bench/echo', async (c) => c.json(await c.req.json()));
