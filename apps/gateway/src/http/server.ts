import http, { type RequestListener, type Server } from 'node:http';

export interface HttpTimeouts {
  /** Time a client has to send the request headers. */
  headersMs: number;
  /** Time a client has to send the whole request, body included. */
  requestMs: number;
  /** A connection with no traffic either way for this long is destroyed (mid-body stalls, silent clients). */
  idleMs: number;
  /** How long an idle keep-alive connection is kept between requests. Default 65 s (above common LB idle timeouts). */
  keepAliveMs?: number;
}

/**
 * The gateway's HTTP server with every timeout set: without them a client that sends headers and then nothing,
 * or a body that stops half-way, holds its socket (and its upload's storage write) forever. Node answers the
 * headers and request timeouts with 408 and closes the connection; an idle connection is destroyed, which fails
 * the request's upload (receiveUpload settles on the request's `close`) and removes what it stored.
 */
export function createHttpServer(handler: RequestListener, timeouts: HttpTimeouts): Server {
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // How often Node checks the two timeouts above (default 30 s): often enough for short test timeouts.
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(timeouts.headersMs / 4))),
    },
    handler,
  );
  // No 'timeout' listener on the server: Node destroys the socket when it fires.
  server.timeout = timeouts.idleMs;
  server.keepAliveTimeout = timeouts.keepAliveMs ?? 65_000;
  return server;
}
