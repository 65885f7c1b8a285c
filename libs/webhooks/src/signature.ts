import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature of a callback (docs/architecture.md (webhooks)). */
export const SIGNATURE_HEADER = 'Quire-Signature';

/** How old a signature's timestamp may be before a receiver refuses it as a replay (and how far in the future). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * `t=<unix seconds>,v1=<hex>[,v1=<hex>]`: HMAC-SHA256 over `${t}.${body}` with each secret given. During a secret
 * rotation the dispatcher signs with the new and the previous secret, so a receiver that still knows only one of
 * them keeps verifying.
 */
export function signatureHeader(secrets: readonly string[], body: string, timestamp: number): string {
  const t = Math.floor(timestamp);
  return [`t=${t}`, ...secrets.map((s) => `v1=${hmacHex(s, t, body)}`)].join(',');
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed' | 'too-old' | 'in-the-future' | 'mismatch' };

/**
 * The receiver's recipe, in code: parse `t` and every `v1`, refuse a timestamp outside the tolerance (replay),
 * recompute HMAC-SHA256(secret, `${t}.${rawBody}`) and compare in constant time with any `v1`. `rawBody` must be the
 * bytes received, not a re-serialised object.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { ok: false, reason: 'malformed' };
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (t === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (now - t > tolerance) return { ok: false, reason: 'too-old' };
  if (t - now > tolerance) return { ok: false, reason: 'in-the-future' };
  const expected = Buffer.from(hmacHex(secret, t, rawBody), 'hex');
  const match = candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
  return match ? { ok: true, timestamp: t } : { ok: false, reason: 'mismatch' };
}

function hmacHex(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}
