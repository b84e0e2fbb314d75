import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { databaseLocation, loadConfig, openOptions, type Config } from './config.js';
import { createStores } from './deps.js';
import { copySqliteToPostgres } from './db/copy.js';
import { isPostgresUrl, openDb } from './db/open.js';
import { Origin } from './keys/schemas.js';
import { keyFilePath } from './secrets/keys.js';
import { rotateKey } from './secrets/rotate.js';

const USAGE = `Usage: touchpoint <command> [options]

Commands (the database is TOUCHPOINT_DATABASE_URL when set, else the SQLite file
TOUCHPOINT_DB, default ./data/touchpoint.db):
  migrate                                   apply pending migrations and exit
  user:create --email E [--password P]      create a platform user (password from
                                            TOUCHPOINT_PASSWORD when not given)
  user:token --email E                      print a new login token for the user
  shop:create --name N --owner E [--demo]   create a shop owned by user E; --demo makes it
                                            a demo shop (sandbox bots, the /demo/inbox/)
  member:add --shop ID --email E [--role owner|manager]
                                            give user E access to shop ID (as a
                                            manager unless --role owner)
  key:create --shop ID --kind secret|publishable [--origin URL]...
                                            create a shop key; the key is printed once
  secrets:rotate-key                        re-encrypt every stored secret under a new
                                            key (the key file's, or printed for
                                            TOUCHPOINT_SECRET_KEY)
  db:copy --to postgres://…                 copy the SQLite file TOUCHPOINT_DB into an
                                            empty PostgreSQL database (stop the relay
                                            first); secrets stay encrypted, so every
                                            PostgreSQL relay needs the same operator key:
                                            TOUCHPOINT_SECRET_KEY set to the key file's
                                            key (the command prints how)

Add --json for machine-readable output.`;

export class UsageError extends Error {}

const need = (value: string | undefined, flag: string) => {
  if (!value) throw new UsageError(`missing --${flag}`);
  return value;
};
const shopIdOf = (value: string | undefined) => {
  const id = Number(need(value, 'shop'));
  if (!Number.isInteger(id) || id <= 0) throw new UsageError('--shop must be a shop id');
  return id;
};

/**
 * Runs one CLI command; returns what to print. `progress` gets the lines of a long command
 * (db:copy) as they happen: stderr, so that `--json` output stays alone on stdout. Exported
 * for tests.
 */
export async function run(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  progress: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      owner: { type: 'string' },
      shop: { type: 'string' },
      kind: { type: 'string' },
      role: { type: 'string' },
      origin: { type: 'string', multiple: true },
      to: { type: 'string' },
      demo: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  // `db copy` is also spelled with a space, as `touchpoint db copy --to …`.
  const command =
    positionals[0] === 'db' && positionals[1] ? `db:${positionals[1]}` : positionals[0];
  if (!command || values.help) return { text: USAGE, json: null };

  const config = loadConfig(env);
  // Its source is always the SQLite file, whatever TOUCHPOINT_DATABASE_URL says.
  if (command === 'db:copy') return copyToPostgres(need(values.to, 'to'), config, progress);
  const db = await openDb(databaseLocation(config), openOptions(config));
  try {
    const stores = createStores(db);
    const userByEmail = async (email: string) => {
      const user = await stores.users.findByEmail(email);
      if (!user) throw new UsageError(`no user with email ${email}`);
      return user;
    };
    switch (command) {
      case 'migrate':
        return { text: `Database ${db.location} is up to date.`, json: { db: db.location } };
      case 'user:create': {
        const email = need(values.email, 'email');
        const password = values.password ?? env.TOUCHPOINT_PASSWORD;
        if (!password || password.length < 8)
          throw new UsageError(
            'a password of at least 8 characters is needed (--password or TOUCHPOINT_PASSWORD)',
          );
        if (await stores.users.findByEmail(email))
          throw new UsageError(`a user with email ${email} already exists`);
        const user = await stores.users.create(email, password);
        return { text: `Created user #${user.id} ${user.email}`, json: user };
      }
      case 'user:token': {
        const user = await userByEmail(need(values.email, 'email'));
        const token = await stores.users.issueToken(user.id, config.tokenTtlMs);
        return { text: token, json: { user, token } };
      }
      case 'shop:create': {
        const owner = await userByEmail(need(values.owner, 'owner'));
        let shop = await stores.shops.create({ name: need(values.name, 'name') }, owner.id);
        if (values.demo) {
          await stores.shops.markDemo(shop.id);
          shop = { ...shop, demo: true };
        }
        const kind = shop.demo ? 'demo shop' : 'shop';
        return {
          text: `Created ${kind} #${shop.id} ${shop.name} (owner ${owner.email})`,
          json: shop,
        };
      }
      case 'member:add': {
        const shopId = shopIdOf(values.shop);
        if (!(await stores.shops.get(shopId))) throw new UsageError(`no shop #${shopId}`);
        const user = await userByEmail(need(values.email, 'email'));
        const role = values.role ?? 'manager';
        if (role !== 'owner' && role !== 'manager')
          throw new UsageError('--role must be owner or manager');
        if ((await stores.users.roles(user.id)).has(shopId))
          throw new UsageError(`${user.email} is a member of shop #${shopId} already`);
        const member = await stores.members.add(shopId, user.id, role);
        return {
          text: `${user.email} is now ${role === 'owner' ? 'an owner' : 'a manager'} of shop #${shopId}`,
          json: { shop_id: shopId, user, member },
        };
      }
      case 'key:create': {
        const shopId = shopIdOf(values.shop);
        if (!(await stores.shops.get(shopId))) throw new UsageError(`no shop #${shopId}`);
        const kind = need(values.kind, 'kind');
        if (kind !== 'secret' && kind !== 'publishable')
          throw new UsageError('--kind must be secret or publishable');
        const origins = (values.origin ?? []).map((o) => {
          const parsed = Origin.safeParse(o);
          if (!parsed.success)
            throw new UsageError(`--origin ${o}: ${parsed.error.issues[0].message}`);
          return parsed.data;
        });
        if (kind === 'secret' && origins.length)
          throw new UsageError('only publishable keys take --origin');
        const key = await stores.keys.create({ shop_id: shopId, kind, allowed_origins: origins });
        return { text: key.key, json: key };
      }
      case 'secrets:rotate-key': {
        if (db.engine === 'sqlite' && config.dbPath === ':memory:')
          throw new UsageError('an in-memory database has no key');
        const r = await rotateKey(db, config);
        const done = `Re-encrypted ${r.secrets} secrets under key ${r.key_id}`;
        const text = r.key_file
          ? `${done}; ${r.key_file} now holds only that key.`
          : r.new_key
            ? [
                `${done}, a new key. Set it on every relay and restart them:`,
                `TOUCHPOINT_SECRET_KEY=${r.secret_key}`,
                'Until then, relays with the old key cannot read the secrets. To rotate without a pause, set TOUCHPOINT_SECRET_KEY=<new>,<old> on every relay first, then run this.',
              ].join('\n')
            : [
                `${done}, the first of TOUCHPOINT_SECRET_KEY. The older keys are no longer needed:`,
                `TOUCHPOINT_SECRET_KEY=${r.secret_key}`,
              ].join('\n');
        return { text, json: r };
      }
      default:
        throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
    }
  } finally {
    await db.close();
  }
}

/** `db:copy --to postgres://…`: relay/db/copy.ts, then what the PostgreSQL relays need. */
async function copyToPostgres(to: string, config: Config, progress: (line: string) => void) {
  if (!isPostgresUrl(to)) throw new UsageError('--to must be a postgres:// URL');
  const from = config.dbPath;
  if (from === ':memory:' || from.startsWith('file:') || !existsSync(from))
    throw new UsageError(`no SQLite database at ${from} (TOUCHPOINT_DB)`);
  // Opened the relay's way first: migrated to this version's schema, secrets still in clear
  // sealed, and the key checked against every stored secret before anything is copied.
  const db = await openDb(from, openOptions(config));
  const keyId = db.secrets.keyId;
  await db.close();
  const report = await copySqliteToPostgres({ sqlitePath: from, postgresUrl: to, progress });
  const keyFile = config.secretKeys ? null : keyFilePath(from);
  const text = [
    `Copied ${report.rows.toLocaleString('en')} rows in ${report.tables.length} tables from ${from} to ${report.location}; every table's row count matches.`,
    `The stored secrets are still encrypted with key ${keyId}: start every PostgreSQL relay with that operator key and this database:`,
    keyFile
      ? `  TOUCHPOINT_SECRET_KEY="$(grep -v '^#' ${keyFile} | paste -sd, -)"`
      : '  TOUCHPOINT_SECRET_KEY=<the same value as for this command>',
    '  TOUCHPOINT_DATABASE_URL=<the --to URL>',
  ].join('\n');
  return { text, json: { ...report, from, key_id: keyId, key_file: keyFile } };
}
