/**
 * `npm run bench:export`: streams a 1,000,000-row bot user export out of a real relay
 * process and checks it against the targets: at least 200,000 rows/s, relay peak RSS at
 * most 150 MB. Prints the figures; exits non-zero when the row count is wrong.
 *
 * The relay runs as its own process, built and started as `npm start` does
 * (`node --expose-gc dist/relay/server.js`), so its memory
 * is measured alone, from /proc/<pid>/status (VmRSS sampled, VmHWM at the end).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStores } from '../relay/deps.js';
import { openDb, type Db } from '../relay/db/open.js';
import { sql } from '../relay/db/sql.js';
import type { SqliteDatabase } from '../relay/db/sqlite.js';
import { stop } from '../test/helpers/process.js';
import { buildRelay, cpuSeconds, sampleRss, startBuiltRelay } from './relay-process.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const TARGET_ROWS_PER_S = 200_000;
const TARGET_RSS_MB = 150;
const PROGRESS_EVERY = 200_000;

/** Names that break naive CSV writers: quotes, commas, line breaks, non-Latin, formulas. */
const NAMES = [
  'Иван "Ваня", Петров\nмл.',
  'Anna Smith',
  '=HYPERLINK("http://evil.example","click")',
  'José, María',
  '王小明',
  '@handle',
  "Zoë O'Brien",
  '-1+2',
];

async function seed(dbPath: string) {
  const db = await openDb(dbPath);
  // A throwaway database: no need to survive a crash.
  if (db.engine === 'sqlite') (db as Db & SqliteDatabase).raw.pragma('synchronous = OFF');
  const stores = createStores(db);
  const user = await stores.users.create('bench@touchpoint.local', 'bench-password-123');
  const token = await stores.users.issueToken(user.id);
  const shop = await stores.shops.create({ name: 'Bench shop' }, user.id);
  const other = await stores.shops.create({ name: 'Another shop' }, null);
  const bot = await stores.bots.create({
    shop_id: shop.id,
    bot_type: 'telegram',
    name: 'Bench bot',
    credential: null,
    tg_bot_nickname: 'bench_bot',
  });
  const otherBot = await stores.bots.create({
    shop_id: other.id,
    bot_type: 'web',
    name: 'Other',
    credential: null,
    tg_bot_nickname: null,
  });
  const tags = [
    await stores.tags.create({ shop_id: shop.id, name: 'vip' }),
    await stores.tags.create({ shop_id: shop.id, name: 'новый' }),
  ];

  const insert = sql<unknown[], { id: number }>(
    `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, name, phone, email, lang_code,
       subscribed_to_bot, start_parameter, user_vars, visitor_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const tag = sql<[number, number], never>(
    `INSERT INTO bot_user_tags (bot_user_id, tag_id) VALUES (?, ?)`,
  );
  const batch = (from: number, to: number) =>
    db.tx(async (tx) => {
      for (let i = from; i < to; i++) {
        const { id } = (await tx.get(insert, [
          shop.id,
          bot.id,
          String(100_000_000 + i),
          `${NAMES[i % NAMES.length]} ${i}`,
          `+7900${String(i).padStart(7, '0')}`,
          i % 3 === 0 ? `user${i}@example.com` : '',
          i % 2 ? 'ru' : 'en',
          i % 10 === 0 ? 0 : 1,
          i % 5 === 0 ? `opt_${i.toString(36)}` : '',
          i % 4 === 0 ? `{"city":"Москва","visits":${i % 17},"note":"a, \\"b\\""}` : '{}',
          i % 2 === 0 ? `visitor-${i}` : null,
        ]))!;
        if (i % 10 === 0) await tx.run(tag, [id, tags[0].id]);
        if (i % 15 === 0) await tx.run(tag, [id, tags[1].id]);
      }
    });
  const started = performance.now();
  for (let from = 0; from < ROWS; from += PROGRESS_EVERY) {
    const to = Math.min(ROWS, from + PROGRESS_EVERY);
    await batch(from, to);
    console.log(`  seeded ${to.toLocaleString('en')} bot users`);
  }
  // Another shop's rows, which the export must leave out.
  for (let i = 0; i < 1000; i++)
    await db.get(insert, [other.id, otherBot.id, `o${i}`, 'Other', '', '', '', 1, '', '{}', null]);
  if (db.engine === 'sqlite') (db as Db & SqliteDatabase).raw.pragma('wal_checkpoint(TRUNCATE)');
  await db.close();
  console.log(`Seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { token, shopId: shop.id };
}

/**
 * Counts CSV records in a byte stream: line feeds outside quoted fields (RFC 4180 quotes
 * are balanced, so each quote byte toggles "inside"). A plain byte loop: every text cell
 * is quoted, so hopping between quotes with indexOf would cost more than it saves.
 */
function recordCounter() {
  let inside = false;
  let records = 0;
  return {
    push(chunk: Uint8Array) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === 0x22) inside = !inside;
        else if (byte === 0x0a && !inside) records++;
      }
    },
    get records() {
      return records;
    },
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const dbPath = join(dir, 'bench.db');
  let relay: Awaited<ReturnType<typeof startBuiltRelay>> | undefined;
  try {
    console.log(`Seeding ${ROWS.toLocaleString('en')} bot users into ${dbPath}`);
    const { token, shopId } = await seed(dbPath);

    buildRelay();
    relay = await startBuiltRelay({ TOUCHPOINT_DB: dbPath });
    const { url, pid } = relay;
    const rss = sampleRss(pid);

    console.log(`Relay pid ${pid} on ${url}, RSS ${rss.startMb.toFixed(0)} MB; exporting…`);
    const cpuBefore = cpuSeconds(pid);
    const started = performance.now();
    const res = await fetch(`${url}/api/bot/bot_users/export/?shop_id=${shopId}&format=csv`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    const counter = recordCounter();
    let bytes = 0;
    let nextReport = PROGRESS_EVERY;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      counter.push(chunk);
      bytes += chunk.byteLength;
      if (counter.records - 1 >= nextReport) {
        console.log(`  streamed ${nextReport.toLocaleString('en')} rows`);
        nextReport += PROGRESS_EVERY;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(pid) - cpuBefore;
    const { peakMb } = rss.stop();

    const rows = counter.records - 1; // the header line
    const rate = rows / seconds;
    const rateOk = rate >= TARGET_ROWS_PER_S;
    const rssOk = peakMb <= TARGET_RSS_MB;
    const countOk = rows === ROWS;
    console.log('');
    console.log(
      `rows          ${rows.toLocaleString('en')} ${countOk ? '(correct)' : `(expected ${ROWS})`}`,
    );
    console.log(`bytes         ${(bytes / 1024 / 1024).toFixed(1)} MB`);
    console.log(`seconds       ${seconds.toFixed(2)}`);
    console.log(
      `rows/s        ${Math.round(rate).toLocaleString('en')}  ${(rate / TARGET_ROWS_PER_S).toFixed(2)}× the target of ${TARGET_ROWS_PER_S.toLocaleString('en')}: ${rateOk ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `relay CPU     ${cpu.toFixed(2)} s, ${((cpu / rows) * 1e6).toFixed(2)} µs/row, ${Math.round(rows / cpu).toLocaleString('en')} rows per CPU-second (load average ${loadavg()[0].toFixed(1)})`,
    );
    console.log(
      `peak RSS      ${peakMb.toFixed(1)} MB (relay, VmHWM; ${rss.startMb.toFixed(1)} MB before the export)  ${(peakMb / TARGET_RSS_MB).toFixed(2)}× the limit of ${TARGET_RSS_MB} MB: ${rssOk ? 'PASS' : 'FAIL'}`,
    );
    if (!countOk) process.exitCode = 1;
  } finally {
    if (relay) await stop(relay.child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
