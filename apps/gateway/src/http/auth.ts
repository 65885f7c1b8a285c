import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '@quire/errors';
import { hashApiKey, type ApiKeyRepository, type ApiKeyRole, type Principal } from '@quire/job-model';
import { addLogContext, type Logger } from '@quire/logging';
import { looksLikeJwt, type JwtVerifier } from './jwt';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    correlationId?: string;
  }
}

/** What every refused key gets: unknown, revoked and expired keys are told apart only in the logs. */
export const REFUSED_KEY_MESSAGE = 'invalid API key';

/**
 * `Authorization: Bearer <api key>` → the key's tenant and role; with issuers configured, `Bearer <JWT>` (told
 * apart by shape) → the token's tenant, user and role (see jwtAuthenticator); anything else is 401. An unknown, revoked or
 * expired key gets the same 401 (so a caller cannot probe which keys exist or were revoked); the log line says which
 * it was, with the key's id and prefix when it is known (never the key).
 */
export function authenticate(keys: ApiKeyRepository, logger: Logger, jwt?: JwtVerifier): RequestHandler {
  const fromToken = jwt?.enabled ? jwtAuthenticator(keys, logger, jwt) : undefined;
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      next(
        new UnauthorizedError(
          header
            ? 'malformed Authorization header: expected "Bearer <api key>"'
            : 'missing API key: send "Authorization: Bearer <api key>"',
        ),
      );
      return;
    }
    const presented = match[1];
    if (fromToken && looksLikeJwt(presented)) {
      fromToken(presented).then((principal) => {
        if (!principal) return next(new UnauthorizedError(REFUSED_KEY_MESSAGE));
        req.principal = principal;
        addLogContext({ tenantId: principal.tenantId });
        next();
      }, next);
      return;
    }
    keys.check(presented).then(
      (checked) => {
        if (!checked.ok) {
          logger.warn('API key refused', {
            reason: checked.reason,
            ...(checked.reason === 'unknown'
              ? // A fingerprint that correlates repeated attempts without revealing the key.
                { keyHashPrefix: hashApiKey(presented).slice(0, 12) }
              : {
                  keyId: checked.keyId,
                  keyPrefix: checked.keyPrefix,
                  tenantId: checked.tenantId,
                  [checked.reason === 'revoked' ? 'revokedAt' : 'expiredAt']: checked.at.toISOString(),
                }),
          });
          return next(new UnauthorizedError(REFUSED_KEY_MESSAGE));
        }
        req.principal = checked.principal;
        addLogContext({ tenantId: checked.principal.tenantId });
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/**
 * A bearer JWT → the principal of its tenant (created on first use, like an API key's) and user, or null after
 * logging why it was refused (the reason, issuer and jose's message; never the token).
 */
function jwtAuthenticator(
  keys: ApiKeyRepository,
  logger: Logger,
  jwt: JwtVerifier,
): (token: string) => Promise<Principal | null> {
  return async (token) => {
    const checked = await jwt.verify(token);
    if (!checked.ok) {
      logger.warn('bearer token refused', {
        reason: checked.reason,
        ...(checked.issuer ? { issuer: checked.issuer } : {}),
        ...(checked.detail ? { detail: checked.detail } : {}),
      });
      return null;
    }
    const { identity } = checked;
    // Not cached: a tenant row removed by an admin must come back as a new one, not as a dangling id.
    const tenant = await keys.ensureTenant(identity.tenantName);
    return {
      tenantId: tenant.id,
      tenantName: tenant.name,
      keyId: `jwt:${identity.userId}`,
      role: identity.role,
      userId: identity.userId,
    };
  };
}

/**
 * Whose jobs a caller sees: a person with role `user` (signed in through the identity provider) only their own;
 * tenant admins and API-key callers the whole tenant's (undefined).
 */
export function ownJobsOf(principal: Principal): string | undefined {
  return principal.userId !== undefined && principal.role === 'user' ? principal.userId : undefined;
}

const ROLE_NAMES: Record<ApiKeyRole, string> = {
  user: 'a user',
  admin: 'a tenant admin',
  operator: 'a platform operator',
};

/** 403 unless the key has one of `roles`. */
export function requireRole(...roles: ApiKeyRole[]): RequestHandler {
  const needed = roles.map((r) => ROLE_NAMES[r]).join(' or ');
  return (req: Request, _res: Response, next: NextFunction) => {
    const role = req.principal?.role;
    if (!role || !roles.includes(role)) next(new ForbiddenError(`this route needs ${needed} API key`));
    else next();
  };
}

/** Tenant admins and the platform operator: the /v1/admin routes (each narrows further where it must). */
export const requireAdmin = requireRole('admin', 'operator');

/** Only the platform operator: maintenance runs and queue-wide operations. */
export const requireOperator = requireRole('operator');

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new UnauthorizedError('not authenticated');
  return req.principal;
}
