import { COMMANDS, isCommand, parseCommandLine } from './args';
import { readEnv, resolveConfig } from './config';
import { EXIT, UsageError, type ExitCode } from './exit-codes';
import { COMMAND_HELP, mainHelp } from './help';
import { ApiClient } from './http';
import { paint } from './style';
import { VERSION } from './version';
import { asCliError, str, type CliIo, type Context } from './context';
import { HANDLERS } from './commands';

export type { CliIo } from './context';

/** Runs one command line; resolves to the exit code (never throws, never exits the process). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let ctx: Context | undefined;
  try {
    const { command, positionals, values } = parseCommandLine(argv);
    if (command === 'version') {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    if (command === 'help') {
      const topic = positionals[0];
      if (topic !== undefined && !isCommand(topic))
        throw new UsageError(`no command "${topic}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
      io.stdout.write(topic ? `Usage: quire ${COMMAND_HELP[topic]}\n` : mainHelp(VERSION));
      return EXIT.ok;
    }
    const config = resolveConfig(
      {
        url: str(values.url),
        apiKey: str(values['api-key']),
        profile: str(values.profile),
        config: str(values.config),
        noColor: values['no-color'] === true,
      },
      readEnv(io.env),
      io.stderr.isTTY === true,
    );
    if (values.quiet !== true)
      for (const warning of config.warnings) io.stderr.write(`quire: warning: ${warning}\n`);
    const context: Context = {
      io,
      config,
      values,
      positionals,
      json: values.json === true,
      quiet: values.quiet === true,
      out: paint(config.color && io.stdout.isTTY === true),
      view: null,
      notice: (message) => {
        if (values.quiet === true) return;
        if (context.view) context.view.log(message);
        else io.stderr.write(`${message}\n`);
      },
      api: new ApiClient({
        baseUrl: config.url,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        userAgent: `quire-cli/${VERSION}`,
        onRetry: (ms, reason) => context.notice(`${reason}; trying again in ${Math.ceil(ms / 1000)} s`),
        ...(io.signal ? { signal: io.signal } : {}),
        ...(io.fetch ? { fetch: io.fetch } : {}),
      }),
    };
    ctx = context;
    return await HANDLERS[command](context);
  } catch (err) {
    const error = asCliError(
      ctx?.io.signal?.aborted ? Object.assign(new Error('interrupted'), { name: 'AbortError' }) : err,
    );
    let hint = '';
    if (error.exitCode === EXIT.auth)
      hint = ctx?.config.apiKey
        ? ' (check the API key: --api-key, QUIRE_API_KEY or the profile)'
        : ' (no API key given: --api-key, QUIRE_API_KEY or a profile)';
    io.stderr.write(`quire: ${error.message}${hint}\n`);
    return error.exitCode;
  }
}
