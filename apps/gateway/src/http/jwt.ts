import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { JwtIssuerConfig } from '../config';

/** Three base64url segments: a JWS compact token. Our API keys start with `qk_` and have no dots. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function looksLikeJwt(presented: string): boolean {
  return !presented.startsWith('qk_') && JWT_SHAPE.test(presented);
}

/** Who a valid token names: a tenant (by name), a user within it, and whether the role makes them a tenant admin. */
export interface JwtIdentity {
  issuer: string;
  tenantName: string;
  userId: string;
  role: 'user' | 'admin';
}

/** Why a token was refused: logged, never told to the caller (who gets the same 401 as for a bad key). */
export type JwtRefusal =
  | 'unknown issuer'
  | 'malformed token'
  | 'expired'
  | 'not yet valid'
  | 'wrong audience'
  | 'wrong issuer'
  | 'algorithm not allowed'
  | 'bad signature'
  | 'no matching key'
  | 'key set unavailable'
  | 'missing tenant claim'
  | 'missing user claim'
  | 'reserved tenant'
  | 'invalid claims';

export type JwtCheck =
  { ok: true; identity: JwtIdentity } | { ok: false; reason: JwtRefusal; issuer?: string; detail?: string };

interface Issuer {
  config: JwtIssuerConfig;
  keys: JWTVerifyGetKey;
}

/** Tenants that belong to the platform, not to any company: a token cannot claim them. */
const RESERVED_TENANTS = new Set(['system', 'default']);

/**
 * Verifies bearer JWTs against the configured issuers (docs/architecture.md §11 (tenancy and roles)). The issuer is
 * chosen by the token's `iss` before anything is trusted; the signature, algorithm, audience and times are then
 * checked with that issuer's key set. A token can make its holder a `user` or a tenant `admin`, never the platform
 * operator (operators use command-line API keys only).
 */
export class JwtVerifier {
  private constructor(private readonly issuers: Map<string, Issuer>) {}

  /** Reads every `jwksFile` now (a missing or invalid file stops the start); remote sets load on first use. */
  static async create(configs: JwtIssuerConfig[]): Promise<JwtVerifier> {
    const issuers = new Map<string, Issuer>();
    for (const config of configs) {
      let keys: JWTVerifyGetKey;
      if (config.jwksFile) {
        const text = await readFile(config.jwksFile, 'utf8');
        keys = createLocalJWKSet(JSON.parse(text) as Parameters<typeof createLocalJWKSet>[0]);
      } else {
        keys = createRemoteJWKSet(new URL(config.jwksUrl ?? ''), {
          timeoutDuration: 5_000,
          cooldownDuration: 30_000,
          cacheMaxAge: 10 * 60_000,
        });
      }
      issuers.set(config.issuer, { config, keys });
    }
    return new JwtVerifier(issuers);
  }

  get enabled(): boolean {
    return this.issuers.size > 0;
  }

  async verify(token: string): Promise<JwtCheck> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return { ok: false, reason: 'malformed token' };
    }
    const issuer = typeof unverified.iss === 'string' ? this.issuers.get(unverified.iss) : undefined;
    if (!issuer) return { ok: false, reason: 'unknown issuer' };
    const { config } = issuer;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockToleranceSec,
      }));
    } catch (err) {
      return { ok: false, issuer: config.issuer, ...refusalOf(err) };
    }
    return identityOf(payload, config);
  }
}

function identityOf(payload: JWTPayload, config: JwtIssuerConfig): JwtCheck {
  const refuse = (reason: JwtRefusal, detail?: string): JwtCheck => ({
    ok: false,
    reason,
    issuer: config.issuer,
    ...(detail ? { detail } : {}),
  });
  const tenant = payload[config.claims.tenant];
  if (typeof tenant !== 'string' || !tenant.trim())
    return refuse('missing tenant claim', config.claims.tenant);
  const user = payload[config.claims.user];
  if (typeof user !== 'string' || !user.trim()) return refuse('missing user claim', config.claims.user);
  if (user.length > 255)
    return refuse('invalid claims', `${config.claims.user} is longer than 255 characters`);
  const tenantName = `${config.tenantPrefix}${tenant.trim()}`;
  if (tenantName.length > 128) return refuse('invalid claims', `${config.claims.tenant} is too long`);
  if (RESERVED_TENANTS.has(tenantName)) return refuse('reserved tenant', tenantName);
  const claimed = payload[config.claims.role];
  const roles = Array.isArray(claimed) ? claimed : [claimed];
  const isAdmin = roles.some((r) => typeof r === 'string' && config.adminRoles.includes(r));
  return {
    ok: true,
    identity: { issuer: config.issuer, tenantName, userId: user, role: isAdmin ? 'admin' : 'user' },
  };
}

/** jose's error → our reason; its messages name the failed check, never the token. */
function refusalOf(err: unknown): { reason: JwtRefusal; detail?: string } {
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof joseErrors.JWTExpired) return { reason: 'expired', detail };
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return { reason: 'wrong audience', detail };
    if (err.claim === 'iss') return { reason: 'wrong issuer', detail };
    if (err.claim === 'nbf' || err.claim === 'iat') return { reason: 'not yet valid', detail };
    return { reason: 'invalid claims', detail };
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return { reason: 'algorithm not allowed', detail };
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { reason: 'bad signature', detail };
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys)
    return { reason: 'no matching key', detail };
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid)
    return { reason: 'key set unavailable', detail };
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid)
    return { reason: 'malformed token', detail };
  // What is left is the key set itself: unreachable, not 200, not JSON.
  return { reason: 'key set unavailable', detail };
}
