import { API_KEY_ROLES, type ApiKeyRole } from '@quire/job-model';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--role`, with the older `--admin` flag as a shorthand for `--role admin`. */
export function parseRole(role: string | undefined, admin: boolean): ApiKeyRole {
  if (role === undefined) return admin ? 'admin' : 'user';
  if (!(API_KEY_ROLES as readonly string[]).includes(role))
    throw new Error(`--role must be one of ${API_KEY_ROLES.join(', ')} (got "${role}")`);
  if (admin && role !== 'admin') throw new Error('--admin contradicts --role; use --role alone');
  return role as ApiKeyRole;
}

/**
 * The expiry of a new key: `--expires-in 90d` (minutes `m`, hours `h`, days `d`) or `--expires-at <ISO 8601 time>`;
 * neither: the key never expires. The time must be in the future.
 */
export function parseExpiry(
  options: { expiresIn?: string | undefined; expiresAt?: string | undefined },
  now: Date = new Date(),
): Date | null {
  if (options.expiresIn !== undefined && options.expiresAt !== undefined)
    throw new Error('give --expires-in or --expires-at, not both');
  let at: Date | null = null;
  if (options.expiresIn !== undefined) {
    const m = /^(\d+)\s*([mhd])$/.exec(options.expiresIn.trim());
    if (!m) throw new Error(`--expires-in must look like 30m, 12h or 90d (got "${options.expiresIn}")`);
    at = new Date(now.getTime() + Number(m[1]) * UNITS[m[2]]);
  } else if (options.expiresAt !== undefined) {
    // Only full ISO 8601 times with a zone: "2026-01-31" alone would silently mean midnight UTC.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(options.expiresAt))
      throw new Error(`--expires-at must be an ISO 8601 time with a zone, e.g. 2026-01-31T00:00:00Z`);
    at = new Date(options.expiresAt);
    if (Number.isNaN(at.getTime()))
      throw new Error(`--expires-at is not a valid time: "${options.expiresAt}"`);
  }
  if (at && at.getTime() <= now.getTime()) throw new Error('the expiry must be in the future');
  return at;
}

/** A duration in minutes `m`, hours `h` or days `d` (e.g. `24h`), in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([mhd])$/.exec(text.trim());
  if (!m) throw new Error(`a duration looks like 30m, 12h or 7d (got "${text}")`);
  return Number(m[1]) * UNITS[m[2]];
}
