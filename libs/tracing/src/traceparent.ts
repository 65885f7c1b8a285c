import { ROOT_CONTEXT, TraceFlags, trace, type Context, type SpanContext } from '@opentelemetry/api';

/** W3C Trace Context `traceparent`, version 00: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The span context a `traceparent` names, or null when it is absent or invalid (then a new trace starts). */
export function parseTraceparent(value: string | null | undefined): SpanContext | null {
  const m = TRACEPARENT.exec((value ?? '').trim().toLowerCase());
  if (!m?.[1] || !m[2] || !m[3] || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return null;
  return { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16) & TraceFlags.SAMPLED, isRemote: true };
}

export function formatTraceparent(sc: SpanContext): string {
  const flags = (sc.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

/** A context whose parent is the given `traceparent` (the root context when there is none). */
export function contextFromTraceparent(value: string | null | undefined): Context {
  const sc = parseTraceparent(value);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** The `traceparent` of the span in `ctx`, or null when it has none. */
export function traceparentOf(ctx: Context): string | null {
  const sc = trace.getSpanContext(ctx);
  return sc && trace.isSpanContextValid(sc) ? formatTraceparent(sc) : null;
}
