import { CommandRunner } from '@quire/engine-supervisor';

/**
 * Ghostscript and qpdf as supervised commands (deadline, memory cap, scrubbed environment), the way the engines
 * run them; one runner per command, shared by the documents and the leak checker of this library.
 */
let gs: CommandRunner | undefined;
let qpdf: CommandRunner | undefined;

export async function runTool(tool: 'gs' | 'qpdf', args: readonly string[]): Promise<string> {
  const runner =
    tool === 'gs'
      ? (gs ??= new CommandRunner({ command: 'gs', size: 2, timeoutMs: 300_000, memoryLimitMb: 2048 }))
      : (qpdf ??= new CommandRunner({ command: 'qpdf', size: 2, timeoutMs: 120_000, memoryLimitMb: 1024 }));
  const result = await runner.run(args);
  // qpdf exits 3 for warnings (a file it could still read).
  if (result.exitCode !== 0 && !(tool === 'qpdf' && result.exitCode === 3)) {
    throw new Error(`${tool} ${args.join(' ')} failed (${result.exitCode}): ${result.stderr.slice(-500)}`);
  }
  return result.stdout;
}

/** Ends the runners (tests' afterAll, the bench's end), so no process outlives its user. */
export async function closeTools(): Promise<void> {
  await Promise.all([gs?.close(), qpdf?.close()]);
  gs = undefined;
  qpdf = undefined;
}
