import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseDuration } from './args';
import { EXIT, UsageError } from './exit-codes';

function usage(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(EXIT.usage);
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('command line', () => {
  it('finds the command after global options that take a value, and keeps repeated params in order', () => {
    const parsed = parseCommandLine([
      '--url',
      'http://q:3000',
      '--json',
      'submit',
      'compress',
      'a.pdf',
      '-p',
      'preset=ebook',
      '--param',
      'x=1',
      '--wait',
      'b.pdf',
    ]);
    expect(parsed.command).toBe('submit');
    expect(parsed.positionals).toEqual(['compress', 'a.pdf', 'b.pdf']);
    expect(parsed.values).toMatchObject({
      url: 'http://q:3000',
      json: true,
      wait: true,
      param: ['preset=ebook', 'x=1'],
    });
  });

  it('treats a value that looks like a command as the option’s value', () => {
    const parsed = parseCommandLine(['--profile', 'list', 'get', 'abc']);
    expect(parsed).toMatchObject({ command: 'get', positionals: ['abc'], values: { profile: 'list' } });
  });

  it('answers help and version without a command, and per command', () => {
    expect(parseCommandLine([]).command).toBe('help');
    expect(parseCommandLine(['--help']).command).toBe('help');
    expect(parseCommandLine(['-V']).command).toBe('version');
    expect(parseCommandLine(['submit', '--help'])).toMatchObject({
      command: 'help',
      positionals: ['submit'],
    });
    expect(parseCommandLine(['help', 'watch'])).toMatchObject({ command: 'help', positionals: ['watch'] });
  });

  it('refuses unknown commands and options, missing or extra arguments, as usage errors', () => {
    expect(usage(['frobnicate'])).toMatch(/unknown command "frobnicate"/);
    expect(usage(['get', '--bogus', 'x'])).toMatch(/Unknown option '--bogus'/);
    expect(usage(['get'])).toMatch(/usage: quire get <id>/);
    expect(usage(['get', 'a', 'b'])).toMatch(/usage: quire get <id>/);
    expect(usage(['submit'])).toMatch(/usage: quire submit <type>/);
    // An option of another command is unknown here.
    expect(usage(['list', '--wait'])).toMatch(/Unknown option '--wait'/);
    expect(usage(['list', '--status'])).toMatch(/argument missing/);
  });

  it('reads durations with units', () => {
    expect(parseDuration('90', '--timeout')).toBe(90_000);
    expect(parseDuration('500ms', '--timeout')).toBe(500);
    expect(parseDuration('5m', '--timeout')).toBe(300_000);
    expect(parseDuration('1.5h', '--timeout')).toBe(5_400_000);
    expect(() => parseDuration('soon', '--timeout')).toThrow(UsageError);
  });
});
