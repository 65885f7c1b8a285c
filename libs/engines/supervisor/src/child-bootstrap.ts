/**
 * Entry point of every pool child: `node --import tsx child-bootstrap.ts <handler-module>`.
 * Loads the handler module, then serves tasks from the parent over IPC, one at a time.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChildHandler, ChildTaskContext } from './child-types';
import { isTaskMessage, type ChildMessage, type SerializedError, type TaskMessage } from './protocol';

function dieNow(): never {
  // SIGKILL rather than process.exit(): a native engine may be running on a libuv thread, and exit-time
  // destructors racing with it can hang or crash instead of exiting.
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) dieNow();
    process.send(message, undefined, undefined, () => resolve());
  });
}

function writeMarker(stream: NodeJS.WriteStream, marker: string): Promise<void> {
  return new Promise((resolve) => {
    stream.write(marker, () => resolve());
  });
}

function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const extra = err as Error & { code?: unknown; data?: unknown };
    const out: SerializedError = { name: err.name, message: err.message };
    if (typeof extra.code === 'string' || typeof extra.code === 'number') out.code = extra.code;
    if (err.stack !== undefined) out.stack = err.stack;
    if (extra.data !== undefined) {
      try {
        structuredClone(extra.data);
        out.data = extra.data;
      } catch {
        // Not cloneable: drop it rather than fail the whole result message.
      }
    }
    return out;
  }
  return { name: 'NonError', message: String(err) };
}

/**
 * The IPC 'disconnect' event cannot fire while the main thread is stuck in a synchronous loop (pdf.js on a
 * page-tree cycle, a sync native call), so a tiny thread watches for re-parenting, which is what happens when the
 * parent dies, and kills this process.
 */
function startParentWatchdog(): void {
  const source = `
    const { workerData } = require('node:worker_threads');
    setInterval(() => {
      if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL');
    }, workerData.intervalMs);
  `;
  const watchdog = new Worker(source, { eval: true, workerData: { ppid: process.ppid, intervalMs: 500 } });
  watchdog.unref();
}

async function main(): Promise<void> {
  process.on('disconnect', dieNow);
  startParentWatchdog();

  const modulePath = process.argv[2];
  if (!modulePath) throw new Error('child-bootstrap: missing handler module argument');
  const mod = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new Error(`child-bootstrap: ${modulePath} has no default-exported handler function`);
  }
  const handler = mod.default as ChildHandler;

  let busy = false;
  process.on('message', (raw: unknown) => {
    if (!isTaskMessage(raw)) return;
    if (busy) {
      // The pool never does this; refusing loudly beats running two documents through a global-state engine.
      void send({
        kind: 'result',
        id: raw.id,
        ok: false,
        error: { name: 'ProtocolError', message: 'child is busy' },
      });
      return;
    }
    busy = true;
    void runTask(handler, raw).finally(() => {
      busy = false;
    });
  });
  await send({ kind: 'ready' });
}

async function runTask(handler: ChildHandler, task: TaskMessage): Promise<void> {
  const ctx: ChildTaskContext = {
    taskId: task.id,
    emit: (event) => {
      void send({ kind: 'event', id: task.id, event });
    },
  };
  let message: ChildMessage;
  try {
    const value = await handler(task.payload, ctx);
    message = { kind: 'result', id: task.id, ok: true, value };
  } catch (err) {
    message = { kind: 'result', id: task.id, ok: false, error: serializeError(err) };
  }
  // The markers tell the parent where this task's output ends; native libraries write to fds 1/2 directly and
  // have flushed by the time the handler's promise settles.
  await Promise.all([writeMarker(process.stdout, task.marker), writeMarker(process.stderr, task.marker)]);
  try {
    await send(message);
  } catch {
    await send({
      kind: 'result',
      id: task.id,
      ok: false,
      error: { name: 'ProtocolError', message: 'result is not serializable' },
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `child-bootstrap: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(70);
});
