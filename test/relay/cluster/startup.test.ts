import { afterAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../../relay/bootstrap.js';
import { testConfig } from '../../../relay/config.js';
import { openDb } from '../../../relay/db/open.js';
import { CLUSTER_KEY, createDatabase, postgresForSuite, query } from '../../helpers/cluster.js';

const pgs = await postgresForSuite();
afterAll(() => pgs.server?.stop());

/**
 * Relays started together on one empty PostgreSQL database (a deploy of three at once): the
 * schema, the operator's admin user and the demo shop are made once, by whichever relay is
 * first; the others wait, then find them there.
 */
describe.skipIf(!pgs.server)('relays starting together on PostgreSQL', () => {
  it('migrate, create the admin and seed the demo once', async () => {
    const url = await createDatabase(pgs.server!);
    const config = testConfig({
      databaseUrl: url,
      secretKeys: [CLUSTER_KEY],
      demo: true,
      admin: { email: 'ops@example.test', password: 'start together' },
    });
    const dbs = await Promise.all(
      [1, 2, 3].map(() => openDb(url, { secretKeys: [CLUSTER_KEY], postgres: { max: 3 } })),
    );
    try {
      await Promise.all(dbs.map((db) => bootstrap(db, config)));
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
    const counts = await query<Record<string, number>>(
      url,
      `SELECT (SELECT count(*)::int FROM users) AS users,
              (SELECT count(*)::int FROM shops) AS shops,
              (SELECT count(*)::int FROM bots) AS bots,
              (SELECT count(*)::int FROM forms) AS forms,
              (SELECT count(*)::int FROM notification_channels) AS channels,
              (SELECT count(*)::int FROM flows) AS flows`,
    );
    // The admin and the demo login; the demo shop with its web and sandbox bots, its form,
    // its managers' alert channel and its welcome flow.
    expect(counts[0]).toEqual({ users: 2, shops: 1, bots: 2, forms: 1, channels: 1, flows: 1 });
  }, 60_000);
});
