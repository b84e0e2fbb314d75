/**
 * The relay as `npm start` runs it — compiled, `node --expose-gc dist/relay/server.js`, no
 * TypeScript loader in its memory — as its own process, so that its memory and CPU can be
 * read alone from /proc/<pid>/…. Used by bench:export and bench:scenario. The port is chosen
 * up front because the relay must know its own public URL (Telegram webhooks point there).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, stop } from '../test/helpers/process.js';

/** Compiles relay/ to dist/ (tsconfig.build.json), as `npm run build` does. */
export function buildRelay() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}

/**
 * Starts the built relay with `env` (plus TOUCHPOINT_DEMO=0, PORT and HOST) and resolves once
 * /healthz answers. `env` may use `{url}`, replaced with the relay's own base URL.
 */
export async function startBuiltRelay(env: Record<string, string>, { timeoutMs = 30_000 } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--expose-gc', 'dist/relay/server.js'], {
    env: {
      ...process.env,
      TOUCHPOINT_DEMO: '0',
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace('{url}', url)])),
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child, pid: child.pid! };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop(child, 'SIGKILL');
  throw new Error(`relay did not start within ${timeoutMs} ms`);
}

/** kB figures of /proc/<pid>/status: VmRSS (resident now) or VmHWM (peak resident). */
export function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return match ? Number(match[1]) : 0;
}

/** CPU seconds the process has used (user + system), from /proc/<pid>/stat (USER_HZ = 100). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime: fields 14 and 15
}

/**
 * Samples the process's VmRSS every `everyMs`; `stop()` gives the peak in MB, the larger of
 * the samples and VmHWM (which also holds the start-up peak, before sampling began).
 */
export function sampleRss(pid: number, everyMs = 50) {
  const startKb = memoryKb(pid, 'VmRSS');
  let peakKb = startKb;
  const timer = setInterval(() => {
    peakKb = Math.max(peakKb, memoryKb(pid, 'VmRSS'));
  }, everyMs);
  return {
    startMb: startKb / 1024,
    stop(): { peakMb: number; sampledPeakMb: number } {
      clearInterval(timer);
      peakKb = Math.max(peakKb, memoryKb(pid, 'VmRSS'));
      return {
        peakMb: Math.max(peakKb, memoryKb(pid, 'VmHWM')) / 1024,
        sampledPeakMb: peakKb / 1024,
      };
    },
  };
}
