import { updateTask } from '@vitest/runner';
import { inject, TestRunner, type RunnerTask, type RunnerTestSuite } from 'vitest';

/**
 * The test runner of the PostgreSQL projects (`relay-pg`, `quiet-pg`): vitest's own, which
 * first checks that the run's PostgreSQL server is there (test/helpers/postgres-global-setup.ts).
 * Without it, every test of a file reports itself skipped with the reason and none of its
 * hooks run (they would fail on the missing server); with REQUIRE_POSTGRES=1 (CI) every file
 * fails instead.
 */
export default class PostgresRunner extends TestRunner {
  override async onBeforeRunSuite(suite: RunnerTestSuite) {
    const { unavailable } = inject('postgres');
    if (unavailable && suite.file === suite) {
      if (process.env.REQUIRE_POSTGRES === '1') {
        const message = `REQUIRE_POSTGRES=1 but PostgreSQL is not available: ${unavailable}`;
        suite.result = { state: 'fail', errors: [{ name: 'Error', message }] };
      } else {
        skip(suite.tasks, `no PostgreSQL: ${unavailable}`, this);
        suite.mode = 'skip';
      }
    }
    return super.onBeforeRunSuite(suite);
  }
}

function skip(tasks: RunnerTask[], note: string, runner: TestRunner) {
  for (const task of tasks) {
    if (task.mode !== 'run' && task.mode !== 'queued') continue;
    task.mode = 'skip';
    task.result = { state: 'skip', note } as RunnerTask['result'];
    if (task.type === 'suite') skip(task.tasks, note, runner);
    updateTask(task.type === 'test' ? 'test-finished' : 'suite-finished', task, runner);
  }
}
