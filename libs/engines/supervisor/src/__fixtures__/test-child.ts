/** A child module for the supervisor's own tests: each request names a behaviour to exercise. */
import { writeSync } from 'node:fs';
import type { ChildHandler } from '../child-types';

export type TestRequest =
  | { op: 'echo'; value: unknown }
  | { op: 'pid' }
  | { op: 'env' }
  | { op: 'sleep'; ms: number }
  | { op: 'print'; stdout: string; stderr: string }
  | { op: 'throw'; message: string; code?: string; data?: unknown }
  | { op: 'exit'; code: number }
  | { op: 'signal'; signal: NodeJS.Signals }
  | { op: 'alloc'; mb: number }
  | { op: 'hold'; mb: number }
  | { op: 'spin' }
  | { op: 'hang' }
  | { op: 'emit'; events: unknown[] };

const held: Buffer[] = [];

const handler: ChildHandler<TestRequest, unknown> = async (req, ctx) => {
  switch (req.op) {
    case 'echo':
      return req.value;
    case 'pid':
      return process.pid;
    case 'env':
      // What the child was given, for the test that no secret of the parent reaches it.
      // eslint-disable-next-line no-restricted-properties
      return { ...process.env };
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, req.ms));
      return 'slept';
    case 'print':
      // Both paths a real engine uses: Node's stream and a raw write to the fd (as native code does).
      process.stdout.write(req.stdout.slice(0, 3));
      writeSync(1, req.stdout.slice(3));
      writeSync(2, req.stderr);
      return 'printed';
    case 'throw': {
      const err = new Error(req.message) as Error & { code?: string; data?: unknown };
      if (req.code) err.code = req.code;
      if (req.data !== undefined) err.data = req.data;
      throw err;
    }
    case 'exit':
      process.exit(req.code);
      break;
    case 'signal':
      process.kill(process.pid, req.signal);
      await new Promise(() => undefined);
      break;
    case 'hold':
      // Allocate and keep it after the task, as a WebAssembly or V8 heap that grew on a big page never shrinks.
      for (let i = 0; i < req.mb; i++) held.push(Buffer.alloc(1024 * 1024, 1));
      return process.pid;
    case 'alloc':
      // Touch every page so it counts as resident memory.
      for (let i = 0; i < req.mb; i++) held.push(Buffer.alloc(1024 * 1024, 1));
      await new Promise(() => undefined);
      break;
    case 'spin':
      for (;;) {
        // A synchronous infinite loop: the event loop (and IPC) is blocked, like pdf.js on a page-tree cycle.
      }
    case 'hang':
      await new Promise(() => undefined);
      break;
    case 'emit':
      for (const event of req.events) ctx.emit(event);
      return 'emitted';
  }
  return undefined;
};

export default handler;
