import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

export { SpanKind };

const TRACER = 'quire';

/** The tracer every Quire module uses: the API's no-op tracer until `initTracing` installs an exporting one. */
export function tracer() {
  return trace.getTracer(TRACER);
}

/**
 * Runs `fn` inside a new span (child of `parent`, default the active context), ends it when `fn` settles and
 * records a thrown error on it. With tracing off this is the API's no-op span: a few object allocations.
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
        if (err instanceof Error) span.recordException(err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

export interface TracingOptions {
  /** `service.name` of the spans (gateway, compression-worker…). */
  serviceName: string;
  /** OTLP/HTTP base URL (spans go to `<endpoint>/v1/traces`); absent: tracing off, nothing loaded. */
  endpoint?: string | undefined;
  /** Longest wait before a batch of finished spans is sent. Default 1 s. */
  exportDelayMs?: number;
  onError?: (err: unknown) => void;
}

export interface Tracing {
  enabled: boolean;
  /** Sends what is buffered and stops (at shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Turns tracing on when an OTLP endpoint is configured (docs/architecture.md (tracing)): the SDK, the OTLP/HTTP
 * exporter and the AsyncLocalStorage context manager are imported only then, so a deployment without an endpoint
 * loads none of them and every span is the API's no-op.
 */
export async function initTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.endpoint) return { enabled: false, shutdown: () => Promise.resolve() };
  const [
    { TracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { AsyncLocalStorageContextManager },
    res,
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: res.resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter, scheduledDelayMillis: options.exportDelayMs ?? 1_000 }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return {
    enabled: true,
    shutdown: () => provider.shutdown().catch((err: unknown) => options.onError?.(err)),
  };
}
