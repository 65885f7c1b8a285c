import { runCli } from './cli';
import { EXIT } from './exit-codes';

/** The `quire` executable: runs the command line, then exits with its code (see `quire --help`). */
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
  // A second Ctrl-C leaves at once.
  process.once('SIGINT', () => process.exit(EXIT.interrupted));
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
});
// Let stdout drain (a pipe to jq), then leave even if a socket of the fetch pool lingers.
process.stdout.write('', () => process.exit(code));
