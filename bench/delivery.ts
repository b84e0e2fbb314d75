/**
 * `npm run bench:delivery [-- part…]`: the delivery benchmarks of issue 4, each printing
 * figures measured in this run. Parts:
 *   (1) telegram — 600 messages for 600 chats of one bot against the fake Bot API's 30/s:
 *       achieved rate ÷ 30 and 429s (bench/delivery-telegram.ts)
 *   (2) webhooks — 20,000 signed webhook deliveries to a local receiver, deliveries/s
 *   (3) alerts   — lead POST to alert latency p50/p99 at 20 leads/s (bench/delivery-alerts.ts)
 *   (4) whatsapp — 1,600 messages for 1,600 people of one WhatsApp number against the Graph
 *       API fake's 80/s: achieved rate ÷ 80 and pacing errors (bench/delivery-whatsapp.ts)
 * Each part is a function returning its figures; add a part to PARTS.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../relay/config.js';
import { openDb } from '../relay/db/open.js';
import { emitInTx } from '../relay/events/emit.js';
import { createRelay } from '../relay/relay.js';
import { alerts } from './delivery-alerts.js';
import { telegram } from './delivery-telegram.js';
import { whatsapp } from './delivery-whatsapp.js';

type Figures = Record<string, number | string>;

/** A fresh relay (SQLite file in a temporary folder) with its worker not yet started. */
async function tempRelay(worker: Parameters<typeof createRelay>[0]['worker'] = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const config = testConfig({ dbPath: join(dir, 'bench.db'), webhookAllowPrivate: true });
  const db = await openDb(config.dbPath, config);
  const relay = createRelay({ db, config, worker });
  return {
    ...relay,
    db,
    async close() {
      await relay.worker.stop();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The receiver process (bench/webhook-receiver.ts) and a typed way to talk to it. */
async function startReceiverProcess() {
  const child = fork(new URL('./webhook-receiver.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
  });
  const next = <T>(type?: string) =>
    new Promise<T>((resolve) => {
      const on = (msg: any) => {
        if (type && msg.type !== type) return;
        child.off('message', on);
        resolve(msg);
      };
      child.on('message', on);
    });
  const { port } = await next<{ port: number }>();
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    async setSecret(secret: string) {
      child.send({ type: 'secret', secret });
      await next('ready');
    },
    async stats() {
      child.send({ type: 'stats' });
      return next<{ received: number; verified: number; failed: number; duplicates: number }>(
        'stats',
      );
    },
    stop: () => child.kill(),
  };
}

/** (2) Queue N signed webhook deliveries to one endpoint, then time the worker draining them. */
async function webhooks(total = 20_000): Promise<Figures> {
  const receiver = await startReceiverProcess();
  const relay = await tempRelay();
  try {
    const { stores } = relay;
    const user = await stores.users.create('bench@example.test', 'correct horse battery');
    const shop = await stores.shops.create({ name: 'Bench' }, user.id);
    const endpoint = await stores.webhooks.create({
      shop_id: shop.id,
      url: receiver.url,
      events: ['lead.created'],
    });
    await receiver.setSecret(endpoint.secret);

    // A lead-sized payload, fanned out by emitInTx as the lead intake does, 1,000 per transaction.
    const queueStart = performance.now();
    const batch = (from: number, n: number) =>
      relay.db.tx(async (tx) => {
        for (let i = from; i < from + n; i++)
          await emitInTx(tx, stores, {
            shop_id: shop.id,
            event: 'lead.created',
            data: {
              id: i + 1,
              shop_id: shop.id,
              form_name: 'callback',
              fields: { name: `Visitor ${i}`, phone: '+15551234567', comment: 'Call me back' },
              page: { url: 'https://shop.example/sofas', title: 'Sofas', referrer: '' },
              utm: { utm_source: 'bench' },
            },
          });
      });
    for (let i = 0; i < total; i += 1000) await batch(i, Math.min(1000, total - i));
    const queueMs = performance.now() - queueStart;

    const start = performance.now();
    const cpu = process.cpuUsage();
    relay.worker.start();
    // drained() polls one indexed row at a time; counting by status here would cost the worker.
    await relay.worker.drained(600_000);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const counts = await stores.deliveries.countByStatus();
    const stats = await receiver.stats();
    return {
      deliveries: total,
      'queued in (ms)': Math.round(queueMs),
      'delivered in (s)': Number(seconds.toFixed(2)),
      'deliveries/s': Math.round(total / seconds),
      // CPU time of the relay process per delivery, and the rate one core would sustain at that
      // cost: steadier figures than wall time when other processes share the machine.
      'relay CPU µs/delivery': Math.round((used.user + used.system) / total),
      'deliveries/CPU-second': Math.round((total * 1e6) / (used.user + used.system)),
      'load average (1 min)': loadavg()[0].toFixed(2),
      sent: counts.sent,
      dead: counts.dead,
      'signatures verified': stats.verified,
      'signatures failed': stats.failed,
      'duplicate webhook-ids': stats.duplicates,
    };
  } finally {
    await relay.close();
    receiver.stop();
  }
}

const PARTS: Record<string, () => Promise<Figures>> = {
  telegram: () => telegram(),
  webhooks: () => webhooks(),
  alerts: () => alerts(),
  whatsapp: () => whatsapp(),
};

async function main() {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(PARTS);
  for (const name of names) {
    const part = PARTS[name];
    if (!part) throw new Error(`Unknown part "${name}"; parts: ${Object.keys(PARTS).join(', ')}`);
    console.log(`\n## delivery: ${name}`);
    const figures = await part();
    for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(24)} ${v}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
