import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { contextFromTraceparent, formatTraceparent, parseTraceparent, traceparentOf } from './traceparent';
import { inSpan, initTracing, tracer } from './tracing';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses and formats W3C version 00', () => {
    const sc = parseTraceparent(TP);
    expect(sc).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
    expect(formatTraceparent(sc!)).toBe(TP);
    expect(traceparentOf(contextFromTraceparent(TP))).toBe(TP);
  });

  it.each([
    undefined,
    '',
    'garbage',
    '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
  ])('ignores %s (a new trace starts)', (value) => {
    expect(parseTraceparent(value)).toBeNull();
    expect(contextFromTraceparent(value)).toBe(ROOT_CONTEXT);
    expect(traceparentOf(contextFromTraceparent(value))).toBeNull();
  });
});

describe('tracing off (no endpoint)', () => {
  it('loads nothing, and spans are no-ops that still carry an incoming traceparent', async () => {
    const handle = await initTracing({ serviceName: 'test' });
    expect(handle.enabled).toBe(false);
    const parent = contextFromTraceparent(TP);
    const seen = await inSpan('work', { parent }, (span) => {
      expect(span.isRecording()).toBe(false);
      return Promise.resolve(span.spanContext().traceId);
    });
    expect(seen).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const span = tracer().startSpan('x', {}, parent);
    expect(traceparentOf(trace.setSpan(parent, span))).toBe(TP);
    await expect(inSpan('fails', {}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
