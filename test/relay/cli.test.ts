import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../relay/commands.js';
import { createStores } from '../../relay/deps.js';
import { testDatabase, type TestDatabase } from '../helpers/engine.js';

const exec = promisify(execFile);

describe('touchpoint CLI', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await testDatabase({ prefix: 'cli' });
    env = database.env;
  });
  afterAll(() => database?.drop());

  it('creates a user, a shop and keys that the relay then accepts', async () => {
    expect(
      (
        await run(
          ['user:create', '--email', 'ops@example.test', '--password', 'long password'],
          env,
        )
      ).text,
    ).toMatch(/Created user #1/);
    const shop = await run(
      ['shop:create', '--name', 'Corner Shop', '--owner', 'ops@example.test'],
      env,
    );
    expect(shop.json).toMatchObject({ id: 1, name: 'Corner Shop' });
    const pk = await run(
      ['key:create', '--shop', '1', '--kind', 'publishable', '--origin', 'https://corner.example'],
      env,
    );
    expect(pk.text).toMatch(/^pk_/);
    const sk = await run(['key:create', '--shop', '1', '--kind', 'secret'], env);

    const db = await database.open();
    const stores = createStores(db);
    expect(await stores.keys.find(sk.text, 'secret')).toMatchObject({ shop_id: 1 });
    expect(await stores.keys.find(pk.text, 'publishable')).toMatchObject({
      allowed_origins: ['https://corner.example'],
    });
    expect(await stores.users.checkPassword('ops@example.test', 'long password')).not.toBeNull();
    await db.close();
  });

  it('exits 2 with one clear line for bad usage', async () => {
    const cli = join(process.cwd(), 'relay', 'cli.ts');
    const fail = await exec(
      process.execPath,
      ['--import', 'tsx', cli, 'key:create', '--shop', '1', '--kind', 'bogus'],
      {
        env: { ...process.env, ...env },
      },
    ).catch((e) => e);
    expect(fail.code).toBe(2);
    expect(fail.stderr.trim().split('\n').pop()).toBe(
      'touchpoint: --kind must be secret or publishable',
    );
    await expect(
      run(['user:create', '--email', 'x@example.test', '--password', 'short'], env),
    ).rejects.toThrow(/8 characters/);
    await expect(
      run(['shop:create', '--name', 'S', '--owner', 'nobody@example.test'], env),
    ).rejects.toThrow(/no user/);
    // `db copy` is `db:copy`: it asks for its target, not for a command it does not know.
    await expect(run(['db', 'copy'], env)).rejects.toThrow('missing --to');
  });

  it('adds members as managers, or as owners with --role owner', async () => {
    await run(['user:create', '--email', 'boss@example.test', '--password', 'long password'], env);
    await run(['user:create', '--email', 'help@example.test', '--password', 'long password'], env);
    const shop = await run(['shop:create', '--name', 'Team', '--owner', 'boss@example.test'], env);
    const id = String((shop.json as { id: number }).id);
    expect(
      (await run(['member:add', '--shop', id, '--email', 'help@example.test'], env)).text,
    ).toMatch(/is now a manager of shop/);
    await expect(
      run(['member:add', '--shop', id, '--email', 'help@example.test'], env),
    ).rejects.toThrow(/member of shop #\d+ already/);
    await expect(
      run(['member:add', '--shop', id, '--email', 'ops@example.test', '--role', 'admin'], env),
    ).rejects.toThrow(/--role must be owner or manager/);
    await run(['member:add', '--shop', id, '--email', 'ops@example.test', '--role', 'owner'], env);

    const db = await database.open();
    const stores = createStores(db);
    const roles = (await stores.members.list(Number(id), { limit: 10, offset: 0 })).rows.map(
      (m) => [m.email, m.role],
    );
    expect(roles).toEqual([
      ['boss@example.test', 'owner'],
      ['help@example.test', 'manager'],
      ['ops@example.test', 'owner'],
    ]);
    await db.close();
  });
});
