/**
 * A parent process for the orphan tests: starts a pool, runs one task, prints the child's pid, then either waits
 * to be killed (`hang`/`spin`) or just returns without closing the pool (`idle`).
 */
import { ChildProcessPool } from '../pool';
import type { TestRequest } from './test-child';

const mode = process.argv[2] ?? 'hang';
const pool = new ChildProcessPool<TestRequest, unknown>({
  module: new URL('./test-child.ts', import.meta.url),
  name: 'orphan-test',
});

if (mode === 'idle') {
  const result = await pool.run({ op: 'pid' });
  process.stdout.write(`child ${String(result.value)}\n`);
  // No close(): an idle pool must not keep this process alive, and the exit hook must kill the child.
} else {
  void pool.run({ op: mode === 'spin' ? 'spin' : 'hang' }).catch(() => undefined);
  const timer = setInterval(() => {
    const busy = pool.stats().children.find((c) => c.state === 'busy');
    if (busy) {
      clearInterval(timer);
      process.stdout.write(`child ${busy.pid}\n`);
    }
  }, 20);
}
