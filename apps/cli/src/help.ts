import { EXIT } from './exit-codes';
import type { CommandName } from './args';

/** The help texts: `quire --help` shows all of them, `quire help <command>` / `quire <command> --help` one. */
export const COMMAND_HELP: Record<CommandName, string> = {
  submit: `submit <type> [file|folder|glob …]   Submit a job of a type the server offers (see \`quire types\`).
      A folder or a quoted glob is a bulk submit: one job per file for single-file types, one job with all the
      files (in order) for multi-file types such as merge or bulk-compress. Types whose input is another job's
      result take no file (--param sourceJobId=…).
      -p, --param key=value    one param (repeatable); lists comma-separated (languages=eng,deu), objects as JSON
      --params-json '{…}'      all params as one JSON object (--param entries override its keys)
      -w, --wait               follow the jobs with progress bars until they finish
      -d, --download DIR       wait, then download each output into DIR (never overwriting: name-<id>.pdf)
      --timeout DURATION       stop waiting after 90s / 10m / 1h (exit 7; the job keeps running)
      --idempotency-key KEY    a retried submit with the same key returns the first job instead of a new one`,
  watch: `watch <id …>             Progress bars (pages or files) until the jobs finish
      --timeout DURATION, -d, --download DIR   as for submit`,
  events: `events <id>              Follow a job: one line per change (status, percent, stage) until it finishes`,
  download: `download <id>            Download a completed job's output (one file, or a ZIP of several)
      -o, --out PATH           a file name, or an existing folder (default: the current folder, server's name)`,
  list: `list                     Your jobs, newest first
      --status S  pending|processing|retrying|completed|failed|cancelled    --type T    --limit N (1–100)
      --cursor C  the next page (printed on stderr, or nextCursor with --json)`,
  get: `get <id>                 A job: status, progress, error, inputs, outputs`,
  result: `result <id>              A completed job's result (JSON)`,
  cancel: `cancel <id>              Cancel a job that has not finished (a running one stops at its next checkpoint)`,
  delete: `delete <id>              Delete a finished job and its files`,
  retry: `retry <id>               Run a failed or cancelled job again (same inputs and params)
      -w, --wait, --timeout DURATION, -d, --download DIR   as for submit`,
  types: `types [type]             The job types this server offers (files per job, params); one type: its params`,
  help: `help [command]           This help, or one command's`,
};

export function mainHelp(version: string): string {
  return `quire ${version}: the command line of Quire, the PDF processing API (it talks to the server over HTTP only)

Usage: quire <command> [arguments] [options]

Commands:
${Object.values(COMMAND_HELP)
  .map((h) => `  ${h}`)
  .join('\n')}

Options (any command):
  --url URL            the server (env QUIRE_URL, else the profile's, else http://localhost:3000)
  --api-key KEY        the API key (env QUIRE_API_KEY, else the profile's)
  --profile NAME       a profile of the config file (env QUIRE_PROFILE, else its defaultProfile, else "default")
  --config FILE        the config file (env QUIRE_CONFIG; default $XDG_CONFIG_HOME/quire/config.json or
                       ~/.config/quire/config.json):
                       {"defaultProfile":"prod","profiles":{"prod":{"url":"https://…","apiKey":"qk_…"}}}
  --json               machine output only on stdout: one JSON document per line (a job, a page, a result);
                       progress and messages go to stderr
  -q, --quiet          no progress on stderr
  --no-color           no colours (NO_COLOR=1 too); progress bars appear only when stderr is a terminal
  -V, --version        the version
  -h, --help           this help

429 and 503 answers are retried after their Retry-After (other pauses: 1 s, 2 s, 4 s…), up to 5 times.

Exit codes:
  ${EXIT.ok}    done (every job waited for completed)
  ${EXIT.failed}    a job failed (its reason is printed)
  ${EXIT.usage}    usage or configuration error (nothing was done)
  ${EXIT.cancelled}    a job was cancelled
  ${EXIT.auth}    authentication or permission refused (401, 403)
  ${EXIT.rejected}    the server refused the request (another 4xx: invalid params, not found, not completed yet…)
  ${EXIT.server}    server error, or the server unreachable or still busy after the retries (5xx, 429, network)
  ${EXIT.timeout}    --timeout passed before a job finished (it keeps running)
  ${EXIT.internal}   a bug in the CLI
  ${EXIT.interrupted}  interrupted (Ctrl-C)
When several jobs end differently, the code is the most serious one: usage, auth, server, failed, rejected,
cancelled, timeout.

Examples:
  quire submit compress report.pdf -p preset=ebook --download out/
  quire submit ocr scans/ -p languages=eng,deu --wait
  quire submit merge 'parts/*.pdf' --wait --json | jq -r .id
  quire list --status failed --json | jq -r '.items[].id'
  quire watch 0b6f…  1c2d…
`;
}
