import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { withLogContext } from '@quire/logging';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reads or creates `X-Correlation-Id`, echoes it, and runs the request inside its log context. */
export function correlation(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header('x-correlation-id');
    const id = incoming && VALID.test(incoming) ? incoming : randomUUID();
    req.correlationId = id;
    res.setHeader('X-Correlation-Id', id);
    withLogContext({ correlationId: id }, () => next());
  };
}
