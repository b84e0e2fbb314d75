import { bootstrap } from './bootstrap.js';
import { ConfigError, databaseLocation, loadConfig, openOptions } from './config.js';
import { openDb } from './db/open.js';
import { SecretKeyError } from './secrets/index.js';
import { listen } from './listen.js';
import { createRelay } from './relay.js';

/** `npm start`: parse the environment, migrate, seed, serve, deliver. */
async function main() {
  const config = loadConfig();
  const db = await openDb(databaseLocation(config), openOptions(config));
  await bootstrap(db, config, console.log);
  const relay = createRelay({ db, config });
  const { url, close } = await listen(relay.app, { port: config.port, host: config.host });
  await relay.start();
  console.log(`Touchpoint relay on ${url} (database ${db.location})`);
  console.log(`API reference: ${config.publicUrl}/api/docs`);
  if (config.demo) console.log(`Demo shop: ${config.publicUrl}/demo/`);

  const shutdown = async () => {
    await close();
    await relay.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  const known = err instanceof ConfigError || err instanceof SecretKeyError;
  console.error(known ? `touchpoint: ${err.message}` : err);
  process.exit(1);
});
