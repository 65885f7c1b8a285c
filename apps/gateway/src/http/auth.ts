import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '@quire/errors';
import type { ApiKeyRepository, Principal } from '@quire/job-model';
import { addLogContext } from '@quire/logging';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    correlationId?: string;
  }
}

/** `Authorization: Bearer <api key>` → the key's tenant and role; anything else is 401. */
export function authenticate(keys: ApiKeyRepository): RequestHandler {
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
    keys.findPrincipal(match[1]).then(
      (principal) => {
        if (!principal) return next(new UnauthorizedError('invalid or revoked API key'));
        req.principal = principal;
        addLogContext({ tenantId: principal.tenantId });
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

export function requireAdmin(req: Request, _res: Response, next: NextFunction): void {
  if (req.principal?.role !== 'admin') next(new ForbiddenError('this route needs an admin API key'));
  else next();
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new UnauthorizedError('not authenticated');
  return req.principal;
}
