import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, testDatabase, type TestDatabase } from '../../helpers/engine.js';
import { spawnRelay, stop } from '../../helpers/process.js';
import { client, startRelay } from '../../helpers/relay.js';
import { leadBody, ORIGIN, widgetShop } from '../public/fixtures.js';

const LEADS = 40;
const POOL = 2;

/**
 * A relay process started with TOUCHPOINT_DATABASE_POOL opens at most that many pooled
 * connections (application_name `touchpoint`; its session for locks and LISTEN is named
 * apart), however many leads arrive at once: what an operator sizes `max_connections` by.
 */
describe.skipIf(!onPostgres)('the relay’s PostgreSQL pool (TOUCHPOINT_DATABASE_POOL)', () => {
  let database: TestDatabase;
  let relay: Awaited<ReturnType<typeof spawnRelay>> | undefined;
  let pk: string;
  beforeAll(async () => {
    database = await testDatabase({ prefix: 'pool' });
    // The shop is made by a relay in this process on the same database, then closed.
    const seeder = await startRelay({ ...database.config, publicRateLimit: 0 });
    try {
      pk = (await widgetShop(seeder)).pk;
    } finally {
      await seeder.close();
    }
    relay = await spawnRelay(
      {
        ...database.env,
        TOUCHPOINT_DATABASE_POOL: String(POOL),
        TOUCHPOINT_PUBLIC_RATE_LIMIT: '0',
      },
      { timeoutMs: 60_000 },
    );
  }, 90_000);
  afterAll(async () => {
    if (relay) await stop(relay.child, 'SIGTERM');
    await database?.drop();
  });

  const pooled = async () =>
    (
      await database.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'touchpoint'
           AND pid <> pg_backend_pid()`, // this reader's own connection is named so too
      )
    )[0].n;

  it(`takes ${LEADS} leads at once on ${POOL} connections`, async () => {
    const api = client(relay!.url);
    let most = 0;
    let sending = true;
    const watching = (async () => {
      while (sending) {
        most = Math.max(most, await pooled());
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const replies = await Promise.all(
      Array.from({ length: LEADS }, () =>
        api.post('/public/v1/leads', leadBody(pk), { headers: { origin: ORIGIN } }),
      ),
    );
    sending = false;
    await watching;
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 202));
    // Idle pooled connections stay open for 10 s: whatever was opened is still counted here.
    most = Math.max(most, await pooled());
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(POOL);
    const stored = await database.query<{ n: number }>(`SELECT count(*) AS n FROM leads`);
    expect(Number(stored[0].n)).toBe(LEADS);
  });
});
