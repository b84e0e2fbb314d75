import { lookup } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_LIMITS } from '../../../relay/auth/throttle.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';
import { floodFrom, loginFrom, type Answer } from './from-address.js';

/** Milliseconds a promise takes, measured from now. */
const timed = async <T>(p: Promise<T>) => {
  const started = performance.now();
  const value = await p;
  return { value, ms: performance.now() - started };
};

describe('login throttling', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  /**
   * The flood's right password is sent 30th: among the others, not first, and (with up to 5
   * addresses taking turns) after 5 wrong ones from its own address. From an address with
   * attempts left the right password would pass, by design: the owner is never locked out.
   */
  const RIGHT = 29;

  /**
   * 300 parallel wrong passwords for one email with the right one sent 30th, from the given
   * addresses in turn; meanwhile another user logs in from elsewhere and a DNS lookup runs
   * on the same libuv pool as scrypt.
   */
  const flood = async (addresses: string[]) => {
    const victim = await userWithShop(relay, 'Victim');
    const bystander = await userWithShop(relay, 'Bystander');
    // What one login costs on this machine right now, with no flood: the bound below scales
    // with it, so that a busy machine slows both alike (the bug was 37 s of starvation).
    let baseline = 0;
    for (let i = 0; i < 3; i++) {
      const quiet = await loginFrom(relay.url, '127.0.0.98')(bystander.email, bystander.password);
      expect(quiet.status).toBe(200);
      baseline = Math.max(baseline, quiet.ms);
    }
    const logins = Array.from({ length: 300 }, (_, i) => ({
      address: addresses[i % addresses.length],
      email: victim.email,
      password: i === RIGHT ? victim.password : `wrong-${i}`,
    }));
    const { sent, answers } = floodFrom(relay.url, logins);
    await sent;
    const other = loginFrom(relay.url, '127.0.0.99')(bystander.email, bystander.password);
    const dns = timed(lookup('localhost'));
    const results = (await answers).map((answer, i) => ({
      ...logins[i],
      right: i === RIGHT,
      answer,
    }));
    return { answers: results, other: await other, dns: await dns, bound: 1000 + 5 * baseline };
  };

  const expectNoToken = (answers: { address: string; right: boolean; answer: Answer }[]) => {
    for (const { answer } of answers) {
      expect([401, 429], JSON.stringify(answer.body)).toContain(answer.status);
      expect(answer.body.result).toBeUndefined();
      if (answer.status === 429) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(answers.find((a) => a.right)!.answer.status).toBe(429);
    // At most the hard limit of password checks per address and email.
    const checked = new Map<string, number>();
    for (const { address, answer } of answers)
      if (answer.status === 401) checked.set(address, (checked.get(address) ?? 0) + 1);
    for (const n of checked.values()) expect(n).toBeLessThanOrEqual(LOGIN_LIMITS.perEmailAddress);
  };

  it('gives no token to the right password sent among 300 parallel wrong ones from one address, and other logins and DNS go on', async () => {
    const { answers, other, dns, bound } = await flood(['127.0.0.2']);
    expectNoToken(answers);
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.ms).toBeLessThan(bound);
    expect(dns.ms).toBeLessThan(bound);
  });

  it('gives no token when the flood is spread over several addresses; a full check queue answers 429 at once', async () => {
    const addresses = ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'];
    const { answers, other, dns, bound } = await flood(addresses);
    expectNoToken(answers);
    // More attempts passed the per-address limits than the check queue holds for one email.
    const queueFull = answers.filter((a) => /at once/.test(a.answer.body.errors?.common ?? ''));
    expect(queueFull.length).toBeGreaterThan(0);
    expect(queueFull.every((a) => a.answer.retryAfter === '1')).toBe(true);
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.ms).toBeLessThan(bound);
    expect(dns.ms).toBeLessThan(bound);
  });

  it('does not lock the owner out from another address after 5 wrong passwords from one', async () => {
    const owner = await userWithShop(relay);
    const attacker = loginFrom(relay.url, '127.0.0.10');
    for (let i = 0; i < LOGIN_LIMITS.perEmailAddress; i++)
      expect((await attacker(owner.email, `guess-${i}`)).status).toBe(401);
    const blocked = await attacker(owner.email, owner.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(60);

    const fromHome = await loginFrom(relay.url, '127.0.0.11')(owner.email, owner.password);
    expect(fromHome.status, JSON.stringify(fromHome.body)).toBe(200);
    expect(fromHome.body.result.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('starts the count of an email and address over after a success', async () => {
    const owner = await userWithShop(relay);
    const login = loginFrom(relay.url, '127.0.0.12');
    for (let i = 0; i < LOGIN_LIMITS.perEmailAddress - 1; i++)
      expect((await login(owner.email, `typo-${i}`)).status).toBe(401);
    expect((await login(owner.email, owner.password)).status).toBe(200);
    for (let i = 0; i < LOGIN_LIMITS.perEmailAddress; i++)
      expect((await login(owner.email, `typo-again-${i}`)).status).toBe(401);
    expect((await login(owner.email, owner.password)).status).toBe(429);
  });

  it('limits one address across emails, not other addresses', async () => {
    const owner = await userWithShop(relay);
    const scanner = loginFrom(relay.url, '127.0.0.13');
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++)
      expect((await scanner(`nobody-${i}@example.test`, 'password1')).status).toBe(401);
    expect((await scanner(owner.email, owner.password)).status).toBe(429);
    expect((await loginFrom(relay.url, '127.0.0.14')(owner.email, owner.password)).status).toBe(
      200,
    );
  });

  it('slows attempts for an email failing from many addresses, without refusing them', async () => {
    const owner = await userWithShop(relay);
    for (let i = 0; i < LOGIN_LIMITS.softAfter; i++) {
      const r = await loginFrom(relay.url, `127.0.1.${i + 1}`)(owner.email, 'wrong password');
      expect(r.status).toBe(401);
    }
    const first = await loginFrom(relay.url, '127.0.1.50')(owner.email, owner.password);
    expect(first.status).toBe(200);
    expect(first.ms).toBeGreaterThanOrEqual(LOGIN_LIMITS.softBaseMs);
    expect((await loginFrom(relay.url, '127.0.1.51')(owner.email, 'wrong')).status).toBe(401);
    const second = await loginFrom(relay.url, '127.0.1.52')(owner.email, owner.password);
    expect(second.status).toBe(200);
    expect(second.ms).toBeGreaterThanOrEqual(2 * LOGIN_LIMITS.softBaseMs);
  });
});
