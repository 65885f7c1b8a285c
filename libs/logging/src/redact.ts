/**
 * Last line of defence against secrets in logs: whatever a caller (or a library's error message) puts on a line,
 * the password of a URL, an API key, a JWT and a bearer credential are masked before it is written. Callers are
 * still expected never to log them; this catches the case nobody thought of.
 */
const RULES: Array<[RegExp, string]> = [
  // scheme://user:password@host → scheme://user:***@host (database, broker and management URLs)
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]+@/gi, '$1:***@'],
  // A JWT (its header is base64url JSON, so it starts with "eyJ").
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '<jwt redacted>'],
  // A whole API key; the 10-character prefix logged on purpose stays readable.
  [/\bqk_[A-Za-z0-9_-]{16,}/g, 'qk_<redacted>'],
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 <redacted>'],
];

/** Cheap pre-check: most lines contain none of these, and are left alone. */
const SUSPECT = /:\/\/|eyJ|qk_|Bearer|Basic/;

export function redactString(value: string): string {
  if (!SUSPECT.test(value)) return value;
  let out = value;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of `value` with every string redacted; objects are copied only where something changed. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redactValue(v, depth + 1);
      if (r !== v) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  if (value instanceof Error) {
    return Object.assign(new Error(redactString(value.message)), {
      name: value.name,
      stack: value.stack === undefined ? undefined : redactString(value.stack),
    });
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    return value;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = redactValue(v, depth + 1);
    if (r !== v) changed = true;
    out[k] = r;
  }
  return changed ? out : value;
}
