/**
 * Property tests of the multipart path (docs/architecture.md (hostile input)): random and mutated multipart bodies —
 * odd boundaries, headers, truncated parts, many fields and files, stray bytes — sent over raw sockets to the
 * gateway's HTTP server (createHttpServer, its timeouts) and its upload receiver with a real local blob store and the
 * gateway's error handler. Each request must end within a bounded time in a precise 4xx with an error body, or an
 * accepted upload; never a 5xx, a hang or a crash; and a rejected upload leaves no file behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@quire/logging';
import { LocalBlobStore } from '@quire/storage';
import { errorHandler } from './error-handler';
import { receiveUpload } from './multipart-upload';
import { createHttpServer } from './server';

const LIMITS = { maxFileBytes: 64 * 1024, maxTotalBytes: 96 * 1024, maxFiles: 3 };
/** Longest a request may take to be answered (the server's request timeout is 3 s). */
const ANSWER_WITHIN_MS = 6_000;

let dir: string;
let server: Server;
let port: number;
let n = 0;
/** What each receiveUpload call ended with, by job id ('pending' until it settles). */
const outcomes = new Map<string, string>();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quire-multipart-prop-'));
  const storage = new LocalBlobStore(path.join(dir, 'storage'));
  const app = express();
  app.post('/up', async (req, res, next) => {
    const jobId = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    res.setHeader('x-job', jobId);
    outcomes.set(jobId, 'pending');
    try {
      const upload = await receiveUpload(req, { jobId, storage, limits: LIMITS, accepted: ['pdf', 'image'] });
      outcomes.set(jobId, 'ok');
      res.status(202).json({ files: upload.files.length });
    } catch (err) {
      outcomes.set(jobId, err instanceof Error ? err.message : String(err));
      next(err);
    }
  });
  app.use(errorHandler(createLogger('multipart-property', 'error')));
  server = createHttpServer(app, { headersMs: 2_000, requestMs: 3_000, idleMs: 1_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Files stored for a job (`*.partial-*` leftovers included). */
async function storedFor(jobId: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, 'storage', 'jobs', jobId), {
    recursive: true,
    withFileTypes: true,
  }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

interface Exchange {
  /** The status line's code, or 0 when the server closed without answering. */
  status: number;
  body: string;
  jobId: string | null;
  ms: number;
}

/** Sends raw bytes and reads until the server closes the connection (every request says `Connection: close`). */
function exchange(raw: Buffer): Promise<Exchange> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`));
    }, ANSWER_WITHIN_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may reset a connection it refuses (413 cut-off): what was read until then counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const jobId = /\r\nx-job: ([\w-]+)/i.exec(text)?.[1] ?? null;
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4), jobId, ms: Date.now() - started });
    });
    // No half-close: Node's server drops a connection whose client ended its side, and real clients keep reading.
    socket.write(raw);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------------

const BCHARS = "abcXYZ0189'()+_,-./:=? ".split('');
const boundaryArb = fc
  .array(fc.constantFrom(...BCHARS), { minLength: 1, maxLength: 80 })
  .map((cs) => cs.join('').trimEnd() || 'b');

const contentArb = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(b)])),
  fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
  fc.constant(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])),
  fc.constant(Buffer.alloc(0)),
  // Over the per-file limit (64 KiB).
  fc
    .integer({ min: 60 * 1024, max: 70 * 1024 })
    .map((size) => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(size, 0x20)])),
);

interface Part {
  disposition: string | null;
  type: string | null;
  extraHeaders: string[];
  content: Buffer;
}

const nameArb = fc.oneof(
  fc.constant('file'),
  fc.constant('file'),
  fc.constant('params'),
  fc.string({ maxLength: 20 }),
);
const filenameArb = fc.option(
  fc.oneof(
    fc.constant('a.pdf'),
    fc.string({ maxLength: 300 }),
    fc.constant('../../etc/passwd'),
    fc.constant('"; x="'),
  ),
  { nil: undefined },
);
const partArb: fc.Arbitrary<Part> = fc.record({
  disposition: fc.option(
    fc
      .tuple(nameArb, filenameArb)
      .map(
        ([name, filename]) =>
          `form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`,
      ),
    { freq: 8, nil: null },
  ),
  type: fc.option(fc.constantFrom('application/pdf', 'image/png', 'text/plain', 'application/json', ''), {
    nil: null,
  }),
  extraHeaders: fc.array(
    fc.oneof(
      fc.constant('Content-Transfer-Encoding: base64'),
      fc.string({ maxLength: 40 }).map((s) => `X-${s.replace(/[\r\n:]/g, '')}: ${s.replace(/[\r\n]/g, '')}`),
      fc.constant(`X-Long: ${'a'.repeat(20_000)}`),
    ),
    { maxLength: 2 },
  ),
  content: fc.oneof(
    contentArb,
    fc.json().map((j) => Buffer.from(j)),
    fc.string().map((s) => Buffer.from(s)),
  ),
});

type Mutation =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'lf-only' }
  | { kind: 'no-closing-boundary' };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.constant(Buffer.from('\r\n--'))),
  }),
  fc.constant<Mutation>({ kind: 'lf-only' }),
  fc.constant<Mutation>({ kind: 'no-closing-boundary' }),
);

const contentTypeArb = (boundary: string) =>
  fc.constantFrom(
    `multipart/form-data; boundary=${boundary}`,
    `multipart/form-data; boundary="${boundary}"`,
    `multipart/form-data; boundary=${boundary}; charset=utf-8`,
    'multipart/form-data',
    'multipart/form-data; boundary=',
    `multipart/mixed; boundary=${boundary}`,
    'application/pdf',
    `MULTIPART/FORM-DATA; BOUNDARY=${boundary}`,
  );

function body(boundary: string, parts: readonly Part[], mutation: Mutation): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const headers = [
      ...(p.disposition === null ? [] : [`Content-Disposition: ${p.disposition}`]),
      ...(p.type === null ? [] : [`Content-Type: ${p.type}`]),
      ...p.extraHeaders,
    ];
    chunks.push(
      Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'),
      p.content,
      Buffer.from('\r\n'),
    );
  }
  if (mutation.kind !== 'no-closing-boundary') chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  let out = Buffer.concat(chunks);
  const at = (f: number) => Math.min(out.length, Math.floor(f * out.length));
  switch (mutation.kind) {
    case 'truncate':
      out = out.subarray(0, at(mutation.at));
      break;
    case 'flip':
      if (out.length > 0) {
        const i = Math.min(out.length - 1, at(mutation.at));
        out[i] = out[i] ^ (1 << mutation.bit);
      }
      break;
    case 'insert':
      out = Buffer.concat([
        out.subarray(0, at(mutation.at)),
        Buffer.from(mutation.bytes),
        out.subarray(at(mutation.at)),
      ]);
      break;
    case 'lf-only':
      out = Buffer.from(out.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      break;
    default:
      break;
  }
  return out;
}

/** Bytes past the announced length would be a second (garbage) request: Node's parser answers those, not ours. */
type Framing = 'length' | 'chunked' | 'length-long';

function request(contentType: string, payload: Buffer, framing: Framing): Buffer {
  const head = [`POST /up HTTP/1.1`, 'Host: 127.0.0.1', `Content-Type: ${contentType}`, 'Connection: close'];
  if (framing === 'chunked') {
    head.push('Transfer-Encoding: chunked');
    const chunked =
      payload.length > 0
        ? [Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n')]
        : [];
    return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), ...chunked, Buffer.from('0\r\n\r\n')]);
  }
  const length = framing === 'length-long' ? payload.length + 100 : payload.length;
  head.push(`Content-Length: ${length}`);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), payload]);
}

const caseArb = boundaryArb.chain((boundary) =>
  fc.record({
    boundary: fc.constant(boundary),
    contentType: contentTypeArb(boundary),
    parts: fc.array(partArb, { maxLength: 8 }),
    mutation: mutationArb,
    framing: fc.constantFrom<Framing>('length', 'length', 'chunked', 'length-long'),
  }),
);

describe('multipart path (property)', () => {
  it('every body ends in a precise 4xx with an error body or an accepted upload, in bounded time, leaving nothing behind when rejected', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const raw = request(c.contentType, body(c.boundary, c.parts, c.mutation), c.framing);
        const res = await exchange(raw);
        expect(res.ms).toBeLessThan(ANSWER_WITHIN_MS);
        // A body shorter than its announced length is closed by the request timeout without an answer; any other
        // request is answered 202 or 4xx with { error: { code, message } }.
        if (c.framing !== 'length-long') expect(res.status, res.body).not.toBe(0);
        if (res.status !== 202 && res.status !== 0) {
          expect(res.status, res.body).toBeGreaterThanOrEqual(400);
          expect(res.status, res.body).toBeLessThan(500);
          const error = (JSON.parse(res.body) as { error?: { code?: string; message?: string } }).error;
          expect(typeof error?.code, res.body).toBe('string');
          expect(error?.message?.length ?? 0, res.body).toBeGreaterThan(5);
        }
        // The receiver itself settles (no leaked parser) and a rejected upload keeps no file.
        if (res.jobId) {
          const deadline = Date.now() + 3_000;
          while (outcomes.get(res.jobId) === 'pending' && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 20));
          const outcome = outcomes.get(res.jobId);
          expect(outcome, 'receiveUpload never settled').not.toBe('pending');
          if (outcome !== 'ok') expect(await storedFor(res.jobId)).toEqual([]);
        }
        for (const [jobId, outcome] of outcomes) {
          if (outcome === 'pending') continue;
          outcomes.delete(jobId);
        }
      }),
      { numRuns: 200, seed: 20261129 },
    );
    // Every upload started by the run has settled.
    const deadline = Date.now() + 5_000;
    while ([...outcomes.values()].includes('pending') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect([...outcomes.entries()].filter(([, o]) => o === 'pending')).toEqual([]);
  }, 300_000);
});
