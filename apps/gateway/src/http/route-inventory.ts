import type { Express } from 'express';

/** One route the gateway answers, in OpenAPI path syntax (`/v1/jobs/{id}`). */
export interface RouteEntry {
  method: string;
  path: string;
}

interface RouterLike {
  stack: LayerLike[];
}
interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: unknown;
}

function isRouter(handle: unknown): handle is RouterLike {
  return typeof handle === 'function' && Array.isArray((handle as Partial<RouterLike>).stack);
}

function toOpenApiPath(expressPath: string): string {
  const joined = expressPath.replace(/\/+/g, '/');
  const trimmed = joined.length > 1 ? joined.replace(/\/$/, '') : joined;
  return trimmed.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Every (method, path) the Express app routes, nested routers included (Express 5 keeps each layer's `rawPath`).
 * The OpenAPI completeness test compares it with the document, so a route cannot ship undocumented.
 */
export function listRoutes(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (router: RouterLike, prefix: string) => {
    for (const layer of router.stack) {
      if (layer.route && typeof layer.route.path === 'string') {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.push({ method, path: toOpenApiPath(prefix + layer.route.path) });
        }
      } else if (isRouter(layer.handle)) {
        const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '';
        walk(layer.handle, prefix + (mount === '/' ? '' : mount));
      }
    }
  };
  walk((app as unknown as { router: RouterLike }).router, '');
  return out;
}
