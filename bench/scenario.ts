/**
 * `npm run bench:scenario`: 1,000 simulated Telegram people step through a 5-step bot flow at
 * once, spread over 20 bots, against the relay running as its own process the way `npm start`
 * runs it (built, `node --expose-gc dist/relay/server.js`) in webhook mode, pointed at the
 * fake Bot API (test/fakes/telegram.ts), which enforces Telegram's flood limits — 30 messages
 * a second per bot, one a second per private chat — with real 429 answers. The fake runs in a
 * process of its own (bench/scenario-telegram.ts), so that its clock, by which it counts
 * those limits, is not held up by the people; the people (bench/scenario-users.ts) live in
 * this one and reach the relay's webhook as Telegram does (bench/scenario-webhooks.ts). The
 * shop, bots and flows are made through the management API (bench/scenario-flow.ts).
 *
 * Prints the figures of this run: steps (the relay's own count, from GET /metrics), wall
 * time, steps/s, messages/s, the relay's CPU and peak RSS, p50/p99 of "person acted → bot's
 * next message accepted by Telegram", and the pacing seen by Telegram (most messages in any
 * second per bot and per chat, 429s). Exits non-zero when the pacing was broken, someone did
 * not finish, or the relay's counts disagree with what the people did.
 *
 * Env: BENCH_USERS (1000), BENCH_BOTS (20), BENCH_THINK_MS (`1000-3000`), BENCH_RAMP_MS
 * (2000), BENCH_WRONG_EVERY (4: every 4th person first types a wrong phone), BENCH_TIMEOUT_S.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { stop } from '../test/helpers/process.js';
import { setUpShop, STEPS_PER_PERSON } from './scenario-flow.js';
import { buildRelay, cpuSeconds, sampleRss, startBuiltRelay } from './relay-process.js';
import { runPeople } from './scenario-users.js';
import { startTelegram } from './scenario-webhooks.js';

const env = process.env;
const USERS = Number(env.BENCH_USERS ?? 1000);
const BOTS = Number(env.BENCH_BOTS ?? 20);
const THINK_MS = (env.BENCH_THINK_MS ?? '1000-3000').split('-').map(Number) as [number, number];
const RAMP_MS = Number(env.BENCH_RAMP_MS ?? 2000);
const WRONG_EVERY = Number(env.BENCH_WRONG_EVERY ?? 4);
const TIMEOUT_S = Number(env.BENCH_TIMEOUT_S ?? 180);
const ADMIN = { email: 'bench@touchpoint.local', password: 'bench-password-123' };

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * The relay's own figures from GET /metrics: scenario steps run (null when it has no such
 * counter) and the time it spent answering webhook calls (sum and count of the histogram).
 */
async function relayMetrics(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern: string) => {
    const match = new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : null;
  };
  const hook = 'method="POST",route="/hooks/telegram/:bot_id"';
  return {
    steps: value('touchpoint_scenario_steps_total'),
    hookSeconds: value(`touchpoint_http_request_duration_seconds_sum\\{${hook}\\}`) ?? 0,
    hookCount: value(`touchpoint_http_request_duration_seconds_count\\{${hook}\\}`) ?? 0,
  };
}

async function main() {
  const telegram = await startTelegram();
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-bench-'));
  let relay: Awaited<ReturnType<typeof startBuiltRelay>> | undefined;
  try {
    buildRelay();
    relay = await startBuiltRelay({
      TOUCHPOINT_DB: join(dir, 'bench.db'),
      TELEGRAM_API_URL: telegram.url,
      // Webhook mode: bots register `<public URL>/hooks/telegram/<id>` with the fake.
      TOUCHPOINT_PUBLIC_URL: '{url}',
      TOUCHPOINT_ADMIN_EMAIL: ADMIN.email,
      TOUCHPOINT_ADMIN_PASSWORD: ADMIN.password,
    });
    const shop = await setUpShop(relay.url, telegram, { bots: BOTS, ...ADMIN });
    console.log(
      `Relay pid ${relay.pid} on ${relay.url}: ${BOTS} bots with the flow; ${USERS} people start over ${RAMP_MS} ms, think ${THINK_MS.join('–')} ms, every ${WRONG_EVERY || '∞'}th types a wrong phone first…`,
    );

    const before = await relayMetrics(relay.url);
    const benchLag = monitorEventLoopDelay({ resolution: 5 });
    benchLag.enable();
    const rss = sampleRss(relay.pid);
    const relayCpu = cpuSeconds(relay.pid);
    const benchCpu = process.cpuUsage();
    const fakeCpu = cpuSeconds(telegram.pid);
    const run = await runPeople(telegram, shop.bots, {
      people: USERS,
      thinkMs: THINK_MS,
      rampMs: RAMP_MS,
      wrongEvery: WRONG_EVERY,
      timeoutMs: TIMEOUT_S * 1000,
    });
    const cpu = cpuSeconds(relay.pid) - relayCpu;
    const bench = process.cpuUsage(benchCpu);
    const fake = cpuSeconds(telegram.pid) - fakeCpu;
    const memory = rss.stop();
    benchLag.disable();
    const after = await relayMetrics(relay.url);

    const expectedSteps = run.steps;
    const counted = before.steps !== null && after.steps !== null;
    const steps = counted ? after.steps! - before.steps! : expectedSteps;
    const hookMs =
      ((after.hookSeconds - before.hookSeconds) * 1000) / (after.hookCount - before.hookCount);
    const { webhooks } = run;
    const leads = (
      await shop.api.get(`/api/store/leads/?shop_id=${shop.shopId}&limit=1`, { token: shop.token })
    ).body.result.count as number;
    const seconds = (run.ended - run.started) / 1000;
    const pacing = await telegram.summary();
    const { limits } = pacing;
    const refused = Object.values(pacing.tooMany).reduce((a, b) => a + b, 0);
    const ms = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(0)} ms`);

    const figures: Record<string, string | number> = {
      people: `${USERS} (${run.finished} finished)`,
      bots: `${BOTS} (${(USERS / BOTS).toFixed(0)} people each)`,
      'steps processed': `${steps}${!counted ? ' (computed: /metrics has no touchpoint_scenario_steps_total)' : ` (relay's /metrics; the people's replies account for ${expectedSteps}, ${STEPS_PER_PERSON} a person)`}`,
      'wall time': `${seconds.toFixed(2)} s (first /start to last thank-you)`,
      'steps/s': (steps / seconds).toFixed(1),
      'messages/s': `${(pacing.messages / seconds).toFixed(1)} (${pacing.messages} messages, ${(pacing.messages / seconds / BOTS).toFixed(1)} per bot)`,
      'updates/s': `${(webhooks.ms.length / seconds).toFixed(1)} (${webhooks.ms.length} delivered, ${webhooks.retries} retried, ${webhooks.lost} lost${Object.keys(webhooks.failures).length ? `; failed attempts: ${JSON.stringify(webhooks.failures)}` : ''})`,
      'reply p50 / p99 / max': `${ms(percentile(run.replyMs, 50))} / ${ms(percentile(run.replyMs, 99))} / ${ms(run.replyMs.at(-1))} (acted → bot's next message accepted)`,
      'reply p50 / p99 by step': Object.entries(run.replyMsBy)
        .map(
          ([what, list]) =>
            `${what.replace(/^the /, '')} ${ms(percentile(list, 50))} / ${ms(percentile(list, 99))}`,
        )
        .join(', '),
      'webhook p50 / p99': `${ms(percentile(webhooks.ms, 50))} / ${ms(percentile(webhooks.ms, 99))} (update posted → relay answered; ${hookMs.toFixed(1)} ms mean inside the relay)`,
      'most per bot in 1 s': `${pacing.mostPerBot} (limit ${limits.perBot})`,
      'most per chat in 1 s': `${pacing.mostPerChat} (limit ${limits.perPrivateChat})`,
      '429 answers': `${refused}${refused ? ` (by cause: ${JSON.stringify(pacing.tooMany)})` : ''}`,
      'relay CPU': `${cpu.toFixed(2)} s, ${((cpu / steps) * 1e6).toFixed(0)} µs/step, ${(steps / cpu).toFixed(0)} steps per CPU-second`,
      'bench CPU': `${((bench.user + bench.system) / 1e6).toFixed(2)} s people and webhook calls (event loop delay p99 ${(benchLag.percentile(99) / 1e6).toFixed(0)} ms, max ${(benchLag.max / 1e6).toFixed(0)} ms), ${fake.toFixed(2)} s the fake Bot API (own process)`,
      'relay peak RSS': `${memory.peakMb.toFixed(1)} MB (VmHWM; ${rss.startMb.toFixed(1)} MB before the run, ${memory.sampledPeakMb.toFixed(1)} MB peak during it)`,
      leads: `${leads}`,
      'load average (1 min)': loadavg()[0].toFixed(2),
    };
    console.log('');
    for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(24)} ${v}`);

    const failures = [
      run.finished < USERS && `${USERS - run.finished} people did not finish`,
      refused > 0 && `Telegram answered 429 ${refused} times`,
      pacing.mostPerBot > limits.perBot && `a bot got ${pacing.mostPerBot} messages in one second`,
      pacing.mostPerChat > limits.perPrivateChat &&
        `a chat got ${pacing.mostPerChat} messages in one second`,
      steps !== expectedSteps && `the relay counted ${steps} steps, not ${expectedSteps}`,
      leads !== run.finished && `${leads} leads for ${run.finished} people who finished`,
      run.extraMessages > 0 && `${run.extraMessages} messages nobody expected`,
    ].filter((f): f is string => typeof f === 'string');
    const problems = [...new Set(run.problems)];
    for (const p of problems.slice(0, 10)) console.log(`  problem: ${p}`);
    if (problems.length > 10) console.log(`  … and ${problems.length - 10} other problems`);
    console.log(failures.length ? `\nFAIL: ${failures.join('; ')}` : '\nPASS');
    if (failures.length) process.exitCode = 1;
  } finally {
    if (relay) await stop(relay.child);
    telegram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
