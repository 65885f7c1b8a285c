import { fileURLToPath } from 'node:url';
import path from 'node:path';
import express, { Router } from 'express';

/** The console's files: plain HTML, CSS and ES modules, served as they are (no build step, no CDN). */
const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

/**
 * `/console`: the web console (docs/architecture.md §7). A static single page that talks to the same v1 API as any
 * client: the API key stays in the tab's sessionStorage and goes out as a Bearer header, never in a URL or a cookie,
 * so the gateway needs no session state and no CSRF defence for it.
 */
export function consoleUi(): Router {
  const router = Router();
  router.get('/console', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(CONSOLE_DIR, 'index.html'));
  });
  // Middleware (not routes): the assets belong to /console, not to the API the OpenAPI document describes.
  router.use(
    '/console',
    express.static(CONSOLE_DIR, { index: false, fallthrough: true, maxAge: 0, etag: true }),
  );
  return router;
}
