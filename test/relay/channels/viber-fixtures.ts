import { expect } from 'vitest';
import type { FakeViberAccount, ViberFake } from '../../fakes/viber.js';
import { freePort } from '../../helpers/process.js';
import { startRelay, type Owner, type Relay } from '../../helpers/relay.js';
import type { Config } from '../../../relay/config.js';
import type { RelayOptions } from '../../../relay/relay.js';

export type ViberBot = {
  bot: { id: number; shop_id: number; bot_type: 'viber'; settings: Record<string, unknown> };
  account: FakeViberAccount;
};

/**
 * A relay Viber can call back: its public URL is set explicitly (Viber posts only to an
 * address it was given) and known before it starts, on a free loopback port.
 */
export async function viberRelay(
  fake: ViberFake,
  overrides: Partial<Config> = {},
  options: Omit<RelayOptions, 'db' | 'config' | 'log'> = {},
): Promise<Relay> {
  const port = await freePort();
  return startRelay(
    {
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      publicUrlExplicit: true,
      viberApiUrl: fake.url,
      ...overrides,
    },
    options,
  );
}

/** A Viber bot of the owner's shop, connected through the API as an owner would: its auth token. */
export async function viberBot(
  relay: Relay,
  fake: ViberFake,
  owner: Owner,
  over: Partial<FakeViberAccount> = {},
): Promise<ViberBot> {
  const account = fake.addAccount(over);
  const r = await relay.api.post(
    '/api/bot/bots/',
    { shop_id: owner.shop.id, bot_type: 'viber', name: 'Shop Viber', token: account.token },
    { token: owner.token },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.body.result.status, r.body.result.status_detail).toBe('active');
  return { bot: r.body.result, account };
}
