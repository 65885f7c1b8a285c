/**
 * A local HTTP server that speaks the OpenAI chat-completions wire protocol, for testing OUR client's behaviour
 * (request shape, schema, 429 with Retry-After, 5xx, timeouts, malformed or schema-violating answers) with no
 * network. It answers from a script the test writes; it never judges or fakes extraction quality.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. */
export type StandinReply =
  | { kind: 'json'; value: unknown; model?: string; usage?: { prompt: number; completion: number } }
  | { kind: 'content'; content: string; finishReason?: string }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Accept the request and never answer (until the server closes). */
  | { kind: 'hang' };

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface OpenAiStandin {
  /** Base URL to give the client, ending in `/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Queue replies, used in order; when the queue is empty, `fallback` answers. */
  reply(...replies: StandinReply[]): void;
  fallback: StandinReply;
  close(): Promise<void>;
}

export async function startOpenAiStandin(): Promise<OpenAiStandin> {
  const queue: StandinReply[] = [];
  const requests: RecordedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const standin = {
    baseUrl: '',
    requests,
    reply: (...replies: StandinReply[]) => void queue.push(...replies),
    fallback: {
      kind: 'status',
      status: 503,
      body: { error: { message: 'no reply scripted' } },
    } as StandinReply,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies OpenAiStandin;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        // recorded as {}; the test sees it
      }
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
        return;
      }
      answer(res, queue.shift() ?? standin.fallback, body);
    });
  });

  function answer(res: http.ServerResponse, reply: StandinReply, body: Record<string, unknown>): void {
    switch (reply.kind) {
      case 'hang':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      case 'status':
        send(res, reply.status, reply.body ?? { error: { message: `HTTP ${reply.status}` } }, reply.headers);
        return;
      case 'json':
        send(
          res,
          200,
          completion(
            JSON.stringify(reply.value),
            'stop',
            reply.model ?? String(body.model),
            reply.usage ?? { prompt: 100, completion: 20 },
          ),
        );
        return;
      case 'content':
        send(
          res,
          200,
          completion(reply.content, reply.finishReason ?? 'stop', String(body.model), {
            prompt: 100,
            completion: 20,
          }),
        );
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standin.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return standin;
}

function completion(
  content: string,
  finishReason: string,
  model: string,
  usage: { prompt: number; completion: number },
): unknown {
  return {
    id: `chatcmpl-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
    },
  };
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
