import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailableError, ModelOutputError } from '@quire/errors';
import { LlmClient } from '@quire/engine-llm';
import { startOpenAiStandin, type OpenAiStandin } from '@quire/testing';
import { recogniseWithLlm, type LlmSpanClient } from './index';

// The stand-in speaks the OpenAI wire protocol: these tests prove how the recogniser uses the client and treats the
// answer (spans located by us, unknown spans ignored), not what a real model would find.

let standin: OpenAiStandin;
const client = (): LlmSpanClient =>
  new LlmClient({
    baseUrl: standin.baseUrl,
    apiKey: 'sk-test',
    model: 'test-model',
    timeoutMs: 5_000,
    maxOutputTokens: 500,
  });

beforeAll(async () => {
  standin = await startOpenAiStandin();
});
afterAll(() => standin.close());
afterEach(() => {
  standin.requests.length = 0;
});

const text = 'Memo from Jane Doe to the board.\nReply to Jane Doe at 4 Elm Road, Leeds.\n';

describe('recogniseWithLlm', () => {
  it('locates every occurrence of each answered span itself and ignores spans not in the text', async () => {
    standin.reply({
      kind: 'json',
      value: {
        spans: [
          { text: 'Jane Doe', type: 'person' },
          { text: '4 Elm Road, Leeds', type: 'address' },
          { text: 'Invented Person', type: 'person' },
          { text: 'x', type: 'person' },
        ],
      },
    });
    const found = await recogniseWithLlm(text, client());
    expect(found.map((d) => [d.type, d.text, d.start])).toEqual([
      ['person', 'Jane Doe', 10],
      ['person', 'Jane Doe', 42],
      ['address', '4 Elm Road, Leeds', 54],
    ]);
    for (const d of found) {
      expect(text.slice(d.start, d.end)).toBe(d.text);
      expect(d).toMatchObject({ recogniser: 'llm', confidence: 0.8 });
    }
    // The document went to the model fenced as data, with a strict schema for the answer.
    const body = standin.requests[0].body as {
      messages: { content: string }[];
      response_format: { type: string };
    };
    expect(body.response_format.type).toBe('json_schema');
    expect(body.messages[1].content).toContain('<document>');
  });

  it('sends long text in pieces cut at line ends, with offsets into the whole text', async () => {
    const long = `${'filler line\n'.repeat(20)}Signed: Max Mustermann\n`;
    standin.reply(
      { kind: 'json', value: { spans: [] } },
      { kind: 'json', value: { spans: [{ text: 'Max Mustermann', type: 'person' }] } },
    );
    const found = await recogniseWithLlm(long, client(), { maxChunkChars: 200 });
    expect(standin.requests).toHaveLength(2);
    expect(found).toHaveLength(1);
    expect(long.slice(found[0].start, found[0].end)).toBe('Max Mustermann');
  });

  it('asks once more after an answer that breaks the schema, then reports ModelOutputError', async () => {
    standin.reply(
      { kind: 'json', value: { spans: [{ text: 'Jane Doe', type: 'phone' }] } },
      { kind: 'json', value: { spans: [{ text: 'Jane Doe', type: 'person' }] } },
    );
    expect((await recogniseWithLlm(text, client())).map((d) => d.text)).toEqual(['Jane Doe', 'Jane Doe']);
    standin.reply({ kind: 'content', content: 'not json' }, { kind: 'content', content: 'still not json' });
    await expect(recogniseWithLlm(text, client())).rejects.toBeInstanceOf(ModelOutputError);
  });

  it('passes outages on as the retryable errors of the client', async () => {
    standin.reply({ kind: 'status', status: 503 });
    await expect(recogniseWithLlm(text, client())).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
