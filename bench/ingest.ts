/**
 * `npm run bench:ingest`: how fast the relay takes widget leads, against a trivial JSON echo
 * route on the same server in the same run. Target: leads/s at least 0.7× echo/s, with every
 * acknowledged (2xx) lead present in the database afterwards.
 *
 * The relay runs as its own process (`node --import tsx relay/server.ts`) on a temporary
 * database, with TOUCHPOINT_PUBLIC_RATE_LIMIT=0 (no per-IP limit: every request comes from
 * 127.0.0.1) and TOUCHPOINT_BENCH_ECHO=1 (mounts `POST /bench/echo`, which answers its JSON
 * body back). The shop sets `public_key_rate_limit: 0`, so its key is not limited either.
 *
 * autocannon drives both routes with 50 connections, 10 s each, every lead with a unique
 * submission_id and visitor and an allowed Origin; the echo gets the same bodies. The two
 * routes alternate in slices (10 × 1 s each), so that a busy machine weighs on both alike.
 * Latency percentiles are over every answer of a route; peak RSS is the relay's VmHWM from
 * /proc/<pid>/status. Afterwards the lead ids of all 2xx answers are looked up in the
 * database: every one must be there. Exits non-zero if one is missing or any lead failed.
 *
 * BENCH_SECONDS, BENCH_SLICES and BENCH_CONNECTIONS change the run.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialect } from '../relay/db/dialect.js';
import { openDb } from '../relay/db/open.js';
import { sql } from '../relay/db/sql.js';
import { createStores } from '../relay/deps.js';
import { FormInput } from '../relay/forms/schemas.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SLICES = Number(process.env.BENCH_SLICES ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP_SECONDS = 2;
const TARGET_RATIO = 0.7;
const ORIGIN = 'https://shop.example';

async function seed(dbPath: string) {
  const db = await openDb(dbPath);
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startRelay(dbPath: string, port: number) {
  return spawn(process.execPath, ['--import', 'tsx', 'relay/server.ts'], {
    env: {
      ...process.env,
      TOUCHPOINT_DB: dbPath,
      PORT: String(port),
      HOST: '127.0.0.1',
      TOUCHPOINT_DEMO: '0',
      TOUCHPOINT_PUBLIC_RATE_LIMIT: '0',
      TOUCHPOINT_BENCH_ECHO: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitHealthy(url: string, child: ReturnType<typeof spawn>) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('relay did not start within 30 s');
}

/** CPU seconds the process has used (user + system), from /proc/<pid>/stat. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
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
  /** Relay CPU seconds spent during this route's slices. */
  cpu: number;
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
  latencies: [],
  ids: [],
});

/**
 * One autocannon slice against `path`: every request carries a fresh body from `body()`;
 * each answer's latency goes into `into`, and lead ids from 2xx bodies when `collectIds`.
 */
function drive(
  url: string,
  path: string,
  seconds: number,
  body: () => string,
  into: Tally,
  collectIds = false,
) {
  return new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
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

function describe(name: string, t: Tally) {
  const sorted = t.latencies.sort((a, b) => a - b);
  return (
    `${name.padEnd(6)} ${Math.round(t.ok / t.seconds)
      .toLocaleString('en')
      .padStart(7)} req/s   ` +
    `p50 ${quantile(sorted, 0.5).toFixed(1)} ms   p99 ${quantile(sorted, 0.99).toFixed(1)} ms   ` +
    `CPU ${Math.round((t.cpu * 1e6) / t.requests)} µs/req   ` +
    `2xx ${t.ok.toLocaleString('en')}   non-2xx ${t.other}   errors ${t.errors}`
  );
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  const dbPath = join(dir, 'bench.db');
  let relay: ReturnType<typeof startRelay> | undefined;
  try {
    const { pk, shopId } = await seed(dbPath);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    relay = startRelay(dbPath, port);
    await waitHealthy(url, relay);
    const pid = relay.pid!;
    console.log(
      `Relay pid ${pid} on ${url}; ${CONNECTIONS} connections; echo and leads alternate in ` +
        `${SLICES} slices of ${SECONDS / SLICES} s each (${SECONDS} s per route), after a ${WARMUP_SECONDS} s warm-up each`,
    );

    let n = 0;
    const echoText = leadBodies(pk, 'echo');
    const leadText = leadBodies(pk, 'lead');
    const echoBody = () => echoText(n++);
    const leadsBody = () => leadText(n++);
    const warm = { echo: tally(), leads: tally() };
    await drive(url, '/bench/echo', WARMUP_SECONDS, echoBody, warm.echo);
    await drive(url, '/public/v1/leads', WARMUP_SECONDS, leadsBody, warm.leads, true);
    // Alternating slices: a shared machine's load then weighs on both routes alike.
    const echo = tally();
    const leads = tally();
    const timed = async (t: Tally, run: () => Promise<void>) => {
      const before = cpuSeconds(pid);
      await run();
      t.cpu += cpuSeconds(pid) - before;
    };
    for (let i = 0; i < SLICES; i++) {
      await timed(echo, () => drive(url, '/bench/echo', SECONDS / SLICES, echoBody, echo));
      await timed(leads, () =>
        drive(url, '/public/v1/leads', SECONDS / SLICES, leadsBody, leads, true),
      );
    }
    const peak = peakRssMb(pid);

    // Every acknowledged lead must be in the database: group commit answers after COMMIT.
    const db = await openDb(dbPath);
    const d = dialect(db.engine);
    const acknowledged = [...warm.leads.ids, ...leads.ids];
    const found = (await db.value(
      sql<[string], { n: number }>(`SELECT count(*) AS n FROM leads WHERE id IN ${d.ids('?')}`),
      [JSON.stringify(acknowledged)],
    ))!;
    const stored = (await db.value(
      sql<[number], { n: number }>(`SELECT count(*) AS n FROM leads WHERE shop_id = ?`),
      [shopId],
    ))!;
    await db.close();

    const ratio = leads.ok / leads.seconds / (echo.ok / echo.seconds);
    const lost = acknowledged.length - found;
    console.log('');
    console.log(describe('echo', echo));
    console.log(describe('leads', leads));
    const cpuRatio = echo.cpu / echo.requests / (leads.cpu / leads.requests);
    console.log(
      `ratio  ${ratio.toFixed(2)} leads/echo (target ≥ ${TARGET_RATIO}): ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}` +
        `   (by relay CPU per request: ${cpuRatio.toFixed(2)})`,
    );
    console.log(`peak RSS ${peak.toFixed(1)} MB (relay, VmHWM)`);
    console.log(
      `leads acknowledged ${acknowledged.length.toLocaleString('en')}, found in the database ` +
        `${found.toLocaleString('en')}: ${lost === 0 ? 'PASS' : `FAIL (${lost} lost)`}` +
        ` (${(stored - found).toLocaleString('en')} more stored whose answers were cut off when a slice ended)`,
    );
    if (lost !== 0 || leads.other > 0 || new Set(acknowledged).size !== acknowledged.length)
      process.exitCode = 1;
  } finally {
    if (relay && relay.exitCode === null) {
      const exited = new Promise((resolve) => relay!.once('exit', resolve));
      relay.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
