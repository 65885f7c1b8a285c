import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes';

/**
 * The command line, parsed with node's own `util.parseArgs` (no dependency): global options anywhere, one command,
 * that command's options and positionals. Anything unknown or missing is a UsageError (exit 2) before any request.
 */

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  profile: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies Record<string, OptionSpec>;

const timeout = { type: 'string' } as const;
const download = { type: 'string', short: 'd' } as const;
const wait = { type: 'boolean', short: 'w' } as const;

interface CommandSpec {
  options: Record<string, OptionSpec>;
  /** Positionals: at least min, at most max. */
  min: number;
  max: number;
  /** What the positionals are, for the usage message. */
  args: string;
}

export const COMMANDS = {
  submit: {
    options: {
      param: { type: 'string', short: 'p', multiple: true },
      'params-json': { type: 'string' },
      wait,
      download,
      timeout,
      'idempotency-key': { type: 'string' },
    },
    min: 1,
    max: Infinity,
    args: '<type> [file|folder|glob …]',
  },
  watch: { options: { timeout, download }, min: 1, max: Infinity, args: '<id …>' },
  events: { options: {}, min: 1, max: 1, args: '<id>' },
  download: { options: { out: { type: 'string', short: 'o' } }, min: 1, max: 1, args: '<id>' },
  list: {
    options: {
      status: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    min: 0,
    max: 0,
    args: '',
  },
  get: { options: {}, min: 1, max: 1, args: '<id>' },
  result: { options: {}, min: 1, max: 1, args: '<id>' },
  cancel: { options: {}, min: 1, max: 1, args: '<id>' },
  delete: { options: {}, min: 1, max: 1, args: '<id>' },
  retry: { options: { wait, timeout, download }, min: 1, max: 1, args: '<id>' },
  types: { options: {}, min: 0, max: 1, args: '[type]' },
  help: { options: {}, min: 0, max: 1, args: '[command]' },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

export interface ParsedCommandLine {
  command: CommandName | 'version';
  positionals: string[];
  /** Option values by long name (strings, booleans, string arrays). */
  values: Record<string, string | boolean | string[] | undefined>;
}

/** Index of the command word: the first token that is neither an option nor the value of one. */
function commandIndex(argv: readonly string[]): number {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS) as [string, OptionSpec][]) {
    if (spec.type === 'string') {
      takesValue.add(`--${name}`);
      if (spec.short) takesValue.add(`-${spec.short}`);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!token.startsWith('-') || token === '-') return i;
    if (takesValue.has(token)) i++;
  }
  return -1;
}

export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const at = commandIndex(argv);
  const word = at === -1 ? undefined : argv[at];
  if (word !== undefined && !isCommand(word))
    throw new UsageError(`unknown command "${word}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  const command: CommandName | undefined = word;
  const rest = at === -1 ? [...argv] : [...argv.slice(0, at), ...argv.slice(at + 1)];
  const spec: CommandSpec = command ? COMMANDS[command] : COMMANDS.help;
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...spec.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(
      `${command ? `${command}: ` : ''}${(err as Error).message.replace(/\. To specify.*$/s, '')}`,
    );
  }
  const { values, positionals } = parsed;
  if (!command) {
    if (values.version) return { command: 'version', positionals: [], values };
    if (values.help || positionals.length === 0) return { command: 'help', positionals: [], values };
  }
  const name: CommandName = command ?? 'help';
  if (values.help && name !== 'help') return { command: 'help', positionals: [name], values };
  if (positionals.length < spec.min || positionals.length > spec.max) {
    throw new UsageError(`usage: quire ${name} ${spec.args}`.trimEnd());
  }
  return { command: name, positionals, values };
}

/** `90`, `90s`, `5m`, `1h`, `500ms` → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag}: "${text}" is not a duration (e.g. 90, 90s, 5m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Number(match[1]) * unit;
}
