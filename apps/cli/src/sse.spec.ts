import { describe, expect, it } from 'vitest';
import { SseParser } from './sse';

describe('SSE parser', () => {
  it('dispatches events split across chunks anywhere, skips comments, joins data lines', () => {
    const stream =
      'event: job\nid: 1\ndata: {"a":1}\n\n: keep-alive\n\nevent: job\r\ndata: x\r\ndata: y\r\n\r\ndata: plain\n\n';
    for (const size of [1, 2, 3, 7, stream.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < stream.length; i += size) events.push(...parser.push(stream.slice(i, i + size)));
      expect(events).toEqual([
        { event: 'job', id: '1', data: '{"a":1}' },
        { event: 'job', id: '1', data: 'x\ny' },
        { event: 'message', id: '1', data: 'plain' },
      ]);
    }
  });
});
