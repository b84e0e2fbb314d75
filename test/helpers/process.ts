import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A free loopback port, for processes that must be told their port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `relay/server.ts` as its own process, as `npm start` does (through tsx, without
 * the build step), and resolves once /healthz answers. `env` names its database: the
 * `env` of a test database (test/helpers/engine.ts `testDatabase`), a SQLite file or a
 * PostgreSQL one as the suite's engine says — never the default ./data/touchpoint.db.
 */
export async function spawnRelay(env: Record<string, string>, { timeoutMs = 20_000 } = {}) {
  if (!env.TOUCHPOINT_DB && !env.TOUCHPOINT_DATABASE_URL)
    throw new Error('spawnRelay: give the relay a database (testDatabase().env)');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(process.cwd(), 'relay', 'server.ts')],
    {
      env: { ...process.env, TOUCHPOINT_DEMO: '0', ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok)
        return { url, child, output: () => output, stop: () => stop(child) };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`relay did not start in ${timeoutMs} ms: ${output}`);
}

export function stop(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  // Ended already (exitCode), or killed by a signal (then exitCode stays null).
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export function runRelayExpectingExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(process.cwd(), 'relay', 'server.ts')],
      {
        env: { ...process.env, TOUCHPOINT_DEMO: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
