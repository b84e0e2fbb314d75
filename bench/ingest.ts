/**
 * `npm run bench:ingest`: how fast the relay takes widget leads.
 *
 * SQLite: against a trivial JSON echo route on the same server in the same run. Target: leads/s
 * at least 0.7× echo/s. PostgreSQL: one relay, and three relays on the same database with the
 * load spread over them (autocannon's connections round-robin over their URLs). Target: three
 * take at least 1.05× one relay's leads/s (more than the runs' noise). Every acknowledged (2xx) lead must be in its database afterwards.
 *
 * Each relay runs as its own process (`node --import tsx relay/server.ts`): one on a temporary
 * SQLite file, three on one PostgreSQL database (bench/postgres.ts: an embedded server with
 * PostgreSQL's durable defaults, or BENCH_POSTGRES_URL), all with
 * TOUCHPOINT_PUBLIC_RATE_LIMIT=0 (no per-IP limit: every request comes from 127.0.0.1); the
 * SQLite one with TOUCHPOINT_BENCH_ECHO=1 (mounts `POST /bench/echo`, which answers its JSON
 * body back). Each shop sets `public_key_rate_limit: 0`, so its key is not limited either.
 *
 * autocannon drives each route with 50 connections (48 on PostgreSQL, a multiple of three),
 * 10 s each, every lead with a unique submission_id and visitor and an allowed Origin; the
 * echo gets the same bodies. The routes take turns in slices (10 × 1 s each: echo, SQLite
 * leads, one PostgreSQL relay, three), so that a busy machine weighs on all alike; the relays
 * not driven in a slice sit idle. Latency percentiles are over every answer of a route; CPU
 * is the driven relays' (and the PostgreSQL server's) from /proc; peak RSS is the SQLite
 * relay's VmHWM. Afterwards the lead ids of all 2xx answers are looked up in their database:
 * every one must be there. Exits non-zero if one is missing or any lead failed.
 *
 * BENCH_SECONDS, BENCH_SLICES and BENCH_CONNECTIONS change the run; BENCH_ENGINES=sqlite
 * leaves PostgreSQL out; BENCH_PG_POOL sets the PostgreSQL relays' pool
 * (TOUCHPOINT_DATABASE_POOL).
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialect } from '../relay/db/dialect.js';
import { openDb } from '../relay/db/open.js';
import { sql } from '../relay/db/sql.js';
import { createStores } from '../relay/deps.js';
import { FormInput } from '../relay/forms/schemas.js';
import { spawnRelay } from '../test/helpers/process.js';
import { benchPostgres, type BenchPostgres } from './postgres.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SLICES = Number(process.env.BENCH_SLICES ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WITH_POSTGRES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').includes('postgres');
const PG_RELAYS = 3;
/** TOUCHPOINT_DATABASE_POOL for the PostgreSQL relays (unset: the relay's default, 10). */
const PG_POOL = process.env.BENCH_PG_POOL;
const WARMUP_SECONDS = 2;
/**
 * A PostgreSQL relay takes a few hundred leads a second on this machine, not thousands: each
 * first gets this long alone, so that all three run optimized code (V8 compiles a function
 * once it has run often enough) before anything is measured.
 */
const PG_WARMUP_SECONDS = Number(process.env.BENCH_PG_WARMUP_SECONDS ?? 5);
const TARGET_RATIO = 0.7;
/**
 * Three relays must take more leads/s than one by more than the run-to-run noise of these
 * figures (one relay's leads/s moved by up to 5% between runs on the idle machine).
 */
const SCALE_TARGET = 1.05;
const ORIGIN = 'https://shop.example';

type Opened = { location: string; secretKeys?: Buffer[] };

async function seed({ location, secretKeys }: Opened) {
  const db = await openDb(location, { secretKeys });
  const stores = createStores(db);
  // A campaign's shop lifts its per-key limit (0 = off); the per-IP limit is off by env.
  const shop = await stores.shops.create(
    { name: 'Bench shop', settings: { public_key_rate_limit: 0, default_country: 'RU' } },
    null,
  );
  const key = await stores.keys.create({
    shop_id: shop.id,
    kind: 'publishable',
    allowed_origins: [ORIGIN],
  });
  await stores.forms.create(
    shop.id,
    FormInput.parse({
      name: 'callback',
      fields: [
        { name: 'name', label: { en: 'Name' }, type: 'text', required: true },
        { name: 'phone', label: { en: 'Phone' }, type: 'tel', required: true },
        { name: 'email', label: { en: 'Email' }, type: 'email' },
        { name: 'comment', label: { en: 'Comment' }, type: 'textarea' },
      ],
      consent: { text: 'I agree to be called back.', version: '1' },
      min_fill_ms: 1500,
    }),
  );
  await db.close();
  return { pk: key.key, shopId: shop.id };
}

/** How many of `ids` are leads in the database, and how many leads `shopId` has. */
async function countStored({ location, secretKeys }: Opened, ids: number[], shopId: number) {
  const db = await openDb(location, { secretKeys });
  const d = dialect(db.engine);
  try {
    const found = (await db.value(
      sql<[string], { n: number }>(`SELECT count(*) AS n FROM leads WHERE id IN ${d.ids('?')}`),
      [JSON.stringify(ids)],
    ))!;
    const stored = (await db.value(
      sql<[number], { n: number }>(`SELECT count(*) AS n FROM leads WHERE shop_id = ?`),
      [shopId],
    ))!;
    return { found, stored };
  } finally {
    await db.close();
  }
}

/** CPU seconds the process has used (user + system), from /proc/<pid>/stat. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
};

/** The machine's CPU ticks so far, all cores: [busy, idle] from /proc/stat. */
const machineTicks = () => {
  const t = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = t[3] + t[4]; // idle, iowait
  return [t.reduce((a, b) => a + b, 0) - idle, idle];
};

const peakRssMb = (pid: number) =>
  Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * A lead as the widget sends it; `n` makes the submission and the visitor unique. Built by
 * splicing `n` into a fixed JSON text, so that the load generator spends as little as it
 * can per request (it shares the machine with the relay).
 */
function leadBodies(pk: string, run: string) {
  const [head, mid1, mid2, mid3, tail] = JSON.stringify({
    key: pk,
    form: 'callback',
    fields: {
      name: 'Анна Петрова',
      phone: '+7 912 @N3@-45-67',
      email: 'anna@N@@example.com',
      comment: 'Please call me after 6 pm.',
    },
    consent: { version: '1' },
    page: {
      url: `${ORIGIN}/pricing?utm_source=ads`,
      referrer: 'https://search.example/',
      title: 'Pricing',
    },
    utm: { source: 'ads', campaign: 'spring' },
    visitor_id: `${run}-v@N@`,
    hp: '',
    elapsed_ms: 5200,
    submission_id: `${run}-@N@`,
  }).split(/@N3?@/);
  return (n: number) =>
    `${head}${String(n % 1000).padStart(3, '0')}${mid1}${n}${mid2}${n}${mid3}${n}${tail}`;
}

/** What one route did over all its slices. */
type Tally = {
  requests: number;
  ok: number;
  other: number;
  errors: number;
  seconds: number;
  /** CPU seconds of the driven relays during this route's slices. */
  cpu: number;
  /** CPU seconds of the PostgreSQL server during this route's slices (null: not measured). */
  dbCpu: number | null;
  /** The whole machine's busy and idle ticks during this route's slices. */
  machine: [number, number];
  /** CPU seconds of the bench itself (autocannon) during this route's slices. */
  ownCpu: number;
  latencies: number[];
  /** Lead ids from 2xx answers. */
  ids: number[];
};
const tally = (): Tally => ({
  requests: 0,
  ok: 0,
  other: 0,
  errors: 0,
  seconds: 0,
  cpu: 0,
  dbCpu: null,
  machine: [0, 0],
  ownCpu: 0,
  latencies: [],
  ids: [],
});

/**
 * One autocannon slice against `path` on `urls` (the connections spread over them): every
 * request carries a fresh body from `body()`; each answer's latency goes into `into`, and
 * lead ids from 2xx bodies when `collectIds`.
 */
function drive(
  urls: string[],
  connections: number,
  path: string,
  seconds: number,
  body: () => string,
  into: Tally,
  collectIds = false,
) {
  return new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: urls.length === 1 ? urls[0] : urls,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', origin: ORIGIN },
            setupRequest: (req) => ({ ...req, body: body() }),
            onResponse: collectIds
              ? (status, text) => {
                  if (status >= 200 && status < 300) into.ids.push(Number(LEAD_ID.exec(text)?.[1]));
                }
              : undefined,
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        into.requests += result['2xx'] + result.non2xx;
        into.ok += result['2xx'];
        into.other += result.non2xx;
        into.errors += result.errors + result.timeouts;
        into.seconds += result.duration;
        resolve();
      },
    );
    instance.on('response', (_client, _status, _bytes, ms) => into.latencies.push(ms));
  });
}

const LEAD_ID = /"lead_id":(\d+)/;

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

const perSecond = (t: Tally) => t.ok / t.seconds;

/**
 * How the machine's cores were spent during a route's slices: this run (relays, PostgreSQL,
 * the load generator), other processes (this machine is shared), idle.
 */
function machineLine(t: Tally) {
  const cores = cpus().length;
  const total = t.machine[0] + t.machine[1];
  const share = (ticks: number) => `${Math.round((100 * cores * ticks) / total)}%`;
  const ours = (t.cpu + (t.dbCpu ?? 0) + t.ownCpu) * 100; // seconds → ticks (USER_HZ = 100)
  return `cores (${cores} × 100%): this run ${share(ours)}, others ${share(Math.max(0, t.machine[0] - ours))}, idle ${share(t.machine[1])}`;
}

function describe(name: string, t: Tally) {
  const sorted = t.latencies.sort((a, b) => a - b);
  const micros = (seconds: number) => Math.round((seconds * 1e6) / t.requests);
  return (
    `${name.padEnd(14)} ${Math.round(perSecond(t)).toLocaleString('en').padStart(7)} req/s   ` +
    `p50 ${quantile(sorted, 0.5).toFixed(1)} ms   p99 ${quantile(sorted, 0.99).toFixed(1)} ms   ` +
    `CPU ${micros(t.cpu)} µs/req${t.dbCpu === null ? '' : ` + PostgreSQL ${micros(t.dbCpu)}`}   ` +
    `2xx ${t.ok.toLocaleString('en')}   non-2xx ${t.other}   errors ${t.errors}   ` +
    machineLine(t)
  );
}

/** One route of the run: where it is driven, with which bodies, and where its leads go. */
type Route = {
  name: string;
  urls: string[];
  pids: number[];
  connections: number;
  path: string;
  body: () => string;
  leads: boolean;
  db?: BenchPostgres;
  warm: Tally;
  result: Tally;
};

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const sqlite: Opened = { location: join(dir, 'bench.db') };
  const relays: Awaited<ReturnType<typeof spawnRelay>>[] = [];
  let postgres: BenchPostgres | undefined;
  try {
    let n = 0;
    const common = { TOUCHPOINT_PUBLIC_RATE_LIMIT: '0' };
    const route = (r: Omit<Route, 'warm' | 'result'>): Route => ({
      ...r,
      warm: tally(),
      result: tally(),
    });

    const lite = await seed(sqlite);
    const liteRelay = await spawnRelay(
      { ...common, TOUCHPOINT_DB: sqlite.location, TOUCHPOINT_BENCH_ECHO: '1' },
      { timeoutMs: 60_000 },
    );
    relays.push(liteRelay);
    const litePid = liteRelay.child.pid!;
    const echoText = leadBodies(lite.pk, 'echo');
    const liteText = leadBodies(lite.pk, 'lead');
    const on = { urls: [liteRelay.url], pids: [litePid], connections: CONNECTIONS };
    const routes = [
      route({ name: 'echo', ...on, path: '/bench/echo', body: () => echoText(n++), leads: false }),
      route({
        name: 'SQLite leads',
        ...on,
        path: '/public/v1/leads',
        body: () => liteText(n++),
        leads: true,
      }),
    ];

    let pg: (Opened & { shopId: number }) | undefined;
    const warmAlone: Route[] = [];
    if (WITH_POSTGRES) {
      postgres = await benchPostgres();
      const key = randomBytes(32).toString('base64');
      pg = { location: postgres.url, secretKeys: [Buffer.from(key, 'base64')], shopId: 0 };
      const seeded = await seed(pg);
      pg.shopId = seeded.shopId;
      for (let i = 0; i < PG_RELAYS; i++)
        relays.push(
          await spawnRelay(
            {
              ...common,
              TOUCHPOINT_DB: join(dir, 'unused.db'),
              TOUCHPOINT_DATABASE_URL: postgres.url,
              TOUCHPOINT_SECRET_KEY: key,
              ...(PG_POOL && { TOUCHPOINT_DATABASE_POOL: PG_POOL }),
            },
            { timeoutMs: 60_000 },
          ),
        );
      const pgRelays = relays.slice(1);
      const pgText = leadBodies(seeded.pk, 'pg');
      const pgConnections = Math.max(PG_RELAYS, CONNECTIONS - (CONNECTIONS % PG_RELAYS));
      const pgRoute = (name: string, rs: typeof pgRelays) =>
        route({
          name,
          urls: rs.map((r) => r.url),
          pids: rs.map((r) => r.child.pid!),
          connections: pgConnections,
          path: '/public/v1/leads',
          body: () => pgText(n++),
          leads: true,
          db: postgres,
        });
      routes.push(
        pgRoute('PG 1 relay', pgRelays.slice(0, 1)),
        pgRoute(`PG ${PG_RELAYS} relays`, pgRelays),
      );
      warmAlone.push(...pgRelays.map((r, i) => pgRoute(`PG relay ${i + 1}`, [r])));
    }
    console.log(
      `SQLite relay pid ${litePid}${
        WITH_POSTGRES
          ? `; PostgreSQL relays pids ${relays
              .slice(1)
              .map((r) => r.child.pid)
              .join(', ')}, pool ${PG_POOL ?? '10 (default)'} each`
          : ''
      }. ` +
        `Routes take turns in ${SLICES} slices of ${SECONDS / SLICES} s each (${SECONDS} s per route), after a ${WARMUP_SECONDS} s warm-up each${WITH_POSTGRES ? ` (and ${PG_WARMUP_SECONDS} s for each PostgreSQL relay alone before)` : ''}: ` +
        routes.map((r) => `${r.name} (${r.connections} connections)`).join(', '),
    );

    const slice = (r: Route, seconds: number, into: Tally) =>
      drive(r.urls, r.connections, r.path, seconds, r.body, into, r.leads);
    for (const r of warmAlone) await slice(r, PG_WARMUP_SECONDS, r.warm);
    for (const r of routes) await slice(r, WARMUP_SECONDS, r.warm);
    for (let i = 0; i < SLICES; i++)
      for (const r of routes) {
        const cpu = () => r.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
        const before = cpu();
        const dbBefore = r.db?.cpuSeconds() ?? null;
        const [busy, idle] = machineTicks();
        const own = process.cpuUsage();
        await slice(r, SECONDS / SLICES, r.result);
        r.result.cpu += cpu() - before;
        const ownAfter = process.cpuUsage(own);
        r.result.ownCpu += (ownAfter.user + ownAfter.system) / 1e6;
        const [busyAfter, idleAfter] = machineTicks();
        r.result.machine[0] += busyAfter - busy;
        r.result.machine[1] += idleAfter - idle;
        const dbAfter = r.db?.cpuSeconds() ?? null;
        if (dbBefore !== null && dbAfter !== null)
          r.result.dbCpu = (r.result.dbCpu ?? 0) + dbAfter - dbBefore;
      }
    const peak = peakRssMb(litePid);

    // Every acknowledged lead must be in its database: the 202 goes out after COMMIT.
    let failed = false;
    const checks: string[] = [];
    const check = async (name: string, opened: Opened, shopId: number, rs: Route[]) => {
      const acknowledged = rs.flatMap((r) => [...r.warm.ids, ...r.result.ids]);
      const { found, stored } = await countStored(opened, acknowledged, shopId);
      const lost = acknowledged.length - found;
      if (
        lost !== 0 ||
        rs.some((r) => r.result.other > 0) ||
        new Set(acknowledged).size !== acknowledged.length
      )
        failed = true;
      checks.push(
        `${name}: leads acknowledged ${acknowledged.length.toLocaleString('en')}, found in the database ` +
          `${found.toLocaleString('en')}: ${lost === 0 ? 'PASS' : `FAIL (${lost} lost)`}` +
          ` (${(stored - found).toLocaleString('en')} more stored whose answers were cut off when a slice ended)`,
      );
    };
    await check('SQLite', sqlite, lite.shopId, [routes[1]]);
    if (pg) await check('PostgreSQL', pg, pg.shopId, [...warmAlone, ...routes.slice(2)]);

    const [echo, leads] = routes.map((r) => r.result);
    const ratio = perSecond(leads) / perSecond(echo);
    console.log('');
    for (const r of routes) console.log(describe(r.name, r.result));
    const cpuRatio = echo.cpu / echo.requests / (leads.cpu / leads.requests);
    console.log(
      `SQLite: ratio ${ratio.toFixed(2)} leads/echo (target ≥ ${TARGET_RATIO}): ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}` +
        `   (by relay CPU per request: ${cpuRatio.toFixed(2)}); peak RSS ${peak.toFixed(1)} MB (relay, VmHWM)`,
    );
    if (pg) {
      const [one, three] = routes.slice(2).map((r) => perSecond(r.result));
      console.log(
        `PostgreSQL: ${PG_RELAYS} relays take ${(three / one).toFixed(2)}× the leads/s of one (target ≥ ${SCALE_TARGET}): ${three / one >= SCALE_TARGET ? 'PASS' : three > one ? 'FAIL (more, but within run-to-run noise: a tie)' : 'FAIL'}` +
          `; one relay ${(one / perSecond(leads)).toFixed(2)}× SQLite's`,
      );
    }
    for (const line of checks) console.log(line);
    if (failed) process.exitCode = 1;
  } finally {
    for (const r of relays) await r.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
