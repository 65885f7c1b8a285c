import { runCli } from './cli';
import { EXIT } from './exit-codes';

/** The `quire` executable: runs the command line, then exits with its code (see `quire --help`). */
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
if (NODE_MAJOR < 24) {
  // The bundle's shebang runs whatever `node` is first on PATH: say so plainly instead of failing on a missing API.
  process.stderr.write(
    `quire: needs Node.js 24 or newer; this is ${process.version} (${process.execPath})\n`,
  );
  process.exit(EXIT.usage);
}

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
