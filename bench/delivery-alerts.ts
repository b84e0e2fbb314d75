/**
 * bench/delivery.ts part (3), `alerts`: the time from a lead's POST /public/v1/leads (the
 * widget's call) to its manager alert arriving, p50/p99, with leads posted at 20/s to the
 * relay running as its own process (as `npm start` runs it); the client, the alert receiver
 * and the fake Bot API run in this process, on one clock.
 *
 * At 20 leads/s the alert goes to a webhook alert channel: Telegram allows one chat 1
 * message/s (20/min for a group), so a Telegram chat at 20 leads/s would measure Telegram's
 * limits, not the relay. The Telegram path is measured too, at a rate a private chat allows
 * (a lead every 1.5 s), against the fake Bot API. Target: p99 ≤ 100 ms.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../relay/db/open.js';
import { createStores } from '../relay/deps.js';
import { startTelegramFake } from '../test/fakes/telegram.js';
import { spawnRelay, stop } from '../test/helpers/process.js';

const ORIGIN = 'https://shop.example';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

export async function alerts({ rate = 20, seconds = 15, telegramLeads = 12 } = {}) {
  const fake = await startTelegramFake();
  const arrived = new Map<string, number>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      // A webhook alert channel posts {event, text, data: lead}.
      const name = JSON.parse(Buffer.concat(chunks).toString()).data?.fields?.name;
      if (name) arrived.set(name, at);
      res.writeHead(204).end();
    });
  });
  receiver.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;

  // The shop, written before the relay starts: a form, a key, a webhook alert channel and a
  // Telegram bot with a (disabled for now) alert channel to a private chat.
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const dbPath = join(dir, 'bench.db');
  const db = openDb(dbPath);
  const stores = createStores(db);
  const user = await stores.users.create('bench@example.test', 'correct horse battery');
  const shop = await stores.shops.create(
    { name: 'Bench', settings: { public_key_rate_limit: 0 } },
    user.id,
  );
  const pk = await stores.keys.create({
    shop_id: shop.id,
    kind: 'publishable',
    allowed_origins: [ORIGIN],
  });
  // Alert channels are the owners' to change (a shop key gets 403).
  const ownerToken = await stores.users.issueToken(user.id);
  await stores.forms.create(shop.id, {
    name: 'callback',
    fields: [
      { name: 'name', label: { en: 'Name' }, type: 'text', required: true, max_length: 200 },
      { name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true, max_length: 50 },
    ],
    min_fill_ms: 0,
  } as any);
  const webhookChannel = await stores.channels.create(shop.id, {
    type: 'webhook',
    bot_id: null,
    chat_id: null,
    url: receiverUrl,
    events: ['lead.created'],
    enabled: true,
  });
  const token = '515151:benchmark-token-benchmark-token';
  fake.addBot(token, 'alerts_bot');
  const bot = await stores.bots.create({
    shop_id: shop.id,
    bot_type: 'telegram',
    name: 'Alerts',
    credential: token,
    tg_bot_nickname: 'alerts_bot',
  });
  const telegramChannel = await stores.channels.create(shop.id, {
    type: 'telegram',
    bot_id: bot.id,
    chat_id: '777000',
    url: null,
    events: ['lead.created'],
    enabled: false,
  });
  db.close();

  const relay = await spawnRelay({
    TOUCHPOINT_DB: dbPath,
    TELEGRAM_API_URL: fake.url,
    TOUCHPOINT_WEBHOOK_ALLOW_PRIVATE: '1',
    TOUCHPOINT_PUBLIC_RATE_LIMIT: '0',
  });
  try {
    const post = async (name: string) => {
      const started = performance.now();
      const res = await fetch(`${relay.url}/public/v1/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({
          key: pk.key,
          form: 'callback',
          fields: { name, phone: '+1 415 555 0100' },
          page: { url: `${ORIGIN}/contact`, title: 'Contact' },
          visitor_id: randomUUID(),
          hp: '',
          elapsed_ms: 5000,
          submission_id: randomUUID(),
        }),
      });
      await res.text();
      if (res.status !== 202) throw new Error(`lead answered ${res.status}`);
      return started;
    };
    const patchChannel = (id: number, enabled: boolean) =>
      fetch(`${relay.url}/api/notifications/channels/${id}/`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}` },
        body: JSON.stringify({ enabled }),
      }).then(async (r) => {
        if (r.status !== 200) throw new Error(`channel PATCH answered ${r.status}`);
        await r.text();
      });

    // Warm-up: connections, statement caches, JIT.
    for (let i = 0; i < 40; i++) await post(`warm-${i}`);
    await sleep(500);

    const total = rate * seconds;
    const posted = new Map<string, number>();
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      const name = `lead-${i}`;
      pending.push(post(name).then((at) => void posted.set(name, at)));
    }
    await Promise.all(pending);
    const deadline = performance.now() + 10_000;
    while ([...posted.keys()].some((n) => !arrived.has(n)) && performance.now() < deadline)
      await sleep(20);
    const latencies = [...posted]
      .map(([n, at]) => (arrived.get(n) ?? Infinity) - at)
      .sort((a, b) => a - b);

    // The Telegram path, one lead every 1.5 s: a private chat takes a message a second, and
    // the relay keeps a margin above that (relay/channels/telegram/guard.ts).
    await patchChannel(webhookChannel.id, false);
    await patchChannel(telegramChannel.id, true);
    const tgLatencies: number[] = [];
    for (let i = 0; i < telegramLeads; i++) {
      const name = `tg-${i}`;
      const started = Date.now();
      await post(name);
      let msg;
      while (
        !(msg = fake.messages.find((m) => m.plain.includes(name))) &&
        Date.now() < started + 5_000
      )
        await sleep(1);
      tgLatencies.push(msg ? msg.at - started : Infinity);
      await sleep(1500 - (Date.now() - started));
    }
    tgLatencies.sort((a, b) => a - b);

    const ms = (v: number) => Number(v.toFixed(1));
    return {
      'leads posted': total,
      'rate (leads/s)': rate,
      'alerts received': latencies.filter(Number.isFinite).length,
      'p50 (ms)': ms(percentile(latencies, 50)),
      'p99 (ms)': ms(percentile(latencies, 99)),
      'max (ms)': ms(latencies[latencies.length - 1]),
      'telegram leads (1/1.5 s)': telegramLeads,
      'telegram p50 (ms)': ms(percentile(tgLatencies, 50)),
      'telegram p99 (ms)': ms(percentile(tgLatencies, 99)),
      'load average (1 min)': loadavg()[0].toFixed(2),
    };
  } finally {
    await stop(relay.child);
    receiver.closeAllConnections();
    receiver.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
