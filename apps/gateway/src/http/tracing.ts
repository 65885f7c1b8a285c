import type { RequestHandler, Response } from 'express';
import { context, trace, type Context } from '@opentelemetry/api';
import { SpanKind, contextFromTraceparent, traceparentOf, tracer } from '@quire/tracing';

const TRACE_CONTEXT = 'quireTraceContext';

/**
 * W3C Trace Context at the gateway (docs/architecture.md (tracing)): continues the client's `traceparent` (or starts
 * a trace) with a server span per request, named after the route once it is known, and runs the rest of the request
 * in its context. With tracing off the span is the API's no-op one, which still carries the client's traceparent, so
 * a submitted job continues the client's trace whatever this process exports.
 */
export function tracing(): RequestHandler {
  return (req, res, next) => {
    const parent = contextFromTraceparent(req.header('traceparent'));
    const span = tracer().startSpan(
      `${req.method} ${req.path}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.path },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    (res.locals as Record<string, unknown>)[TRACE_CONTEXT] = ctx;
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : undefined;
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (req.correlationId) span.setAttribute('quire.correlation_id', req.correlationId);
      span.end();
    });
    context.with(ctx, next);
  };
}

/** The traceparent a job submitted in this request continues: the request span's (or the client's, tracing off). */
export function requestTraceparent(res: Response): string | null {
  const ctx = (res.locals as Record<string, unknown>)[TRACE_CONTEXT] as Context | undefined;
  return ctx ? traceparentOf(ctx) : null;
}
