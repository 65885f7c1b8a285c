import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressProblem, type AddressAllowList } from './address-policy';
import { callbackUrlProblem, literalHost } from './callback-url';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Host name → addresses. The default is the system resolver; tests pass their own (a name that resolves to 127.0.0.1). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allow: AddressAllowList;
  resolve?: Resolver;
}

export interface DeliveryOutcome {
  /** A 2xx answer. */
  ok: boolean;
  statusCode: number | null;
  /** Why it did not succeed (refused address, timeout, connection error, non-2xx answer), null when ok. */
  error: string | null;
  durationMs: number;
  /** Refused before connecting (SSRF policy, bad URL): trying again will not help. */
  refused: boolean;
}

const MAX_ERROR_EXCERPT = 200;

/**
 * POSTs one callback. The host name is resolved once, every address is checked against the SSRF policy, and the
 * connection goes to the checked address (the request's `lookup` returns it), so a DNS answer that changes between
 * check and connect (rebinding) cannot move the request. Redirects are never followed: a 3xx is a failed attempt.
 * The whole exchange (connect, send, answer headers) is bounded by `timeoutMs`; the answer body is not read
 * beyond a short excerpt for the attempt record.
 */
export async function deliverCallback(req: DeliveryRequest): Promise<DeliveryOutcome> {
  const started = performance.now();
  const done = (o: Omit<DeliveryOutcome, 'durationMs'>): DeliveryOutcome => ({
    ...o,
    durationMs: Math.round(performance.now() - started),
  });
  const urlProblem = callbackUrlProblem(req.url, req.allow);
  if (urlProblem)
    return done({ ok: false, statusCode: null, error: `callback URL ${urlProblem}`, refused: true });
  const url = new URL(req.url);
  const host = literalHost(url);
  let target: ResolvedAddress;
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    target = await checkedAddress(host, req.allow, req.resolve ?? systemResolver, signal);
  } catch (err) {
    const refused = err instanceof RefusedAddressError;
    return done({ ok: false, statusCode: null, error: errorText(err), refused });
  }
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [target]);
    else callback(null, target.address, target.family);
  };
  try {
    const { statusCode, excerpt, location } = await post(url, req, pinned, signal);
    if (statusCode >= 200 && statusCode < 300)
      return done({ ok: true, statusCode, error: null, refused: false });
    const error =
      statusCode >= 300 && statusCode < 400
        ? `answered ${statusCode}; redirects are not followed${location ? ` (Location: ${location.slice(0, 200)})` : ''}`
        : `answered ${statusCode}${excerpt ? `: ${excerpt}` : ''}`;
    return done({ ok: false, statusCode, error, refused: false });
  } catch (err) {
    const error = signal.aborted ? `no answer within ${req.timeoutMs} ms` : errorText(err);
    return done({ ok: false, statusCode: null, error, refused: false });
  }
}

export class RefusedAddressError extends Error {}

async function checkedAddress(
  host: string,
  allow: AddressAllowList,
  resolve: Resolver,
  signal: AbortSignal,
): Promise<ResolvedAddress> {
  const family = isIP(host);
  if (family !== 0) return { address: host, family: family === 6 ? 6 : 4 };
  const addresses = await Promise.race([
    resolve(host),
    new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error(`could not resolve ${host} in time`)), {
        once: true,
      }),
    ),
  ]);
  if (addresses.length === 0) throw new Error(`${host} resolves to no address`);
  if (!allow.allowsHost(host)) {
    // Every answer is checked, not only the one used: a name with one public and one private address is refused.
    for (const a of addresses) {
      const problem = addressProblem(a.address, allow);
      if (problem) throw new RefusedAddressError(`${host} resolves to ${problem}; refused (SSRF policy)`);
    }
  }
  return addresses[0];
}

function post(
  url: URL,
  req: DeliveryRequest,
  lookup: LookupFunction,
  signal: AbortSignal,
): Promise<{ statusCode: number; excerpt: string; location: string | undefined }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
        lookup,
        signal,
        // No connection reuse: each delivery resolves, checks and connects afresh.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_ERROR_EXCERPT) chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_ERROR_EXCERPT) res.destroy();
        });
        const finish = () =>
          resolve({
            statusCode: res.statusCode ?? 0,
            excerpt: Buffer.concat(chunks)
              .toString('utf8')
              .slice(0, MAX_ERROR_EXCERPT)
              .replace(/\s+/g, ' ')
              .trim(),
            location: res.headers.location,
          });
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    request.on('error', reject);
    request.end(req.body);
  });
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
