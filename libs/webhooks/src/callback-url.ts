import { isIP } from 'node:net';
import { addressProblem, type AddressAllowList } from './address-policy';

export const MAX_CALLBACK_URL_LENGTH = 2048;

/**
 * What is wrong with a callback URL before any DNS lookup (at submission, and again before each delivery), or null:
 * only http/https, no credentials in the URL (the signature authenticates Quire; the URL is shown in the job JSON),
 * and no literal address in a refused range unless allowed. Host names are checked after resolution, at delivery.
 */
export function callbackUrlProblem(text: string, allow: AddressAllowList): string | null {
  if (text.length > MAX_CALLBACK_URL_LENGTH) return `is longer than ${MAX_CALLBACK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `must use http or https (not ${url.protocol.replace(/:$/, '')})`;
  if (url.username || url.password)
    return 'must not contain credentials (verify the Quire-Signature instead)';
  const host = literalHost(url);
  if (!host) return 'has no host';
  if (isIP(host) !== 0) {
    const problem = addressProblem(host, allow);
    if (problem) return `is refused: ${problem} (allowed only through QUIRE_WEBHOOK_ALLOW_PRIVATE)`;
  }
  return null;
}

/** The URL's host without IPv6 brackets; WHATWG URL already turns decimal/hex IPv4 forms into dotted quads. */
export function literalHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}
