/**
 * Ports and RabbitMQ management API helpers, used by the servers of ./services.ts, the test helpers
 * (@quire/testing) and the dev tools. Only Node built-ins: this file is also loaded outside vitest (npm start), so
 * it must not import vitest.
 */
import net from 'node:net';

/** Default credentials of the brokers started by ./services.ts. */
export const DEFAULT_RABBIT_USER = 'quire';
export const DEFAULT_RABBIT_PASSWORD = 'quire';

/** A TCP port that was free on 127.0.0.1 a moment ago (the kernel picks it; another process may still race us). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** True when nothing listens on host:port (a listener on 0.0.0.0 also makes 127.0.0.1 busy on Linux). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `preferred` when it is free, otherwise any free port. */
export async function preferPort(preferred: number, host = '127.0.0.1'): Promise<number> {
  return (await isPortFree(preferred, host)) ? preferred : findFreePort(host);
}

// ---------------------------------------------------------------------------------------------------------------
// RabbitMQ management API
// ---------------------------------------------------------------------------------------------------------------

/** Basic-auth header for the management API. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * Splits `http://user:pass@host:port` into a credential-free base URL and the credentials (fetch() refuses URLs
 * that carry credentials). Missing credentials fall back to `fallback`.
 */
export function parseManagementUrl(
  managementUrl: string,
  fallback: { user: string; password: string } = {
    user: DEFAULT_RABBIT_USER,
    password: DEFAULT_RABBIT_PASSWORD,
  },
): { url: string; user: string; password: string } {
  const u = new URL(managementUrl);
  const user = u.username ? decodeURIComponent(u.username) : fallback.user;
  const password = u.password ? decodeURIComponent(u.password) : fallback.password;
  u.username = '';
  u.password = '';
  return { url: u.toString().replace(/\/$/, ''), user, password };
}

async function management(
  managementUrl: string,
  user: string,
  password: string,
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<Response> {
  const base = parseManagementUrl(managementUrl, { user, password });
  const res = await fetch(`${base.url}/api/${apiPath}`, {
    method,
    headers: {
      authorization: basicAuth(user, password),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return res;
}

/** Creates vhost `name` and gives `user` full permissions on it. Idempotent. */
export async function createVhost(
  managementUrl: string,
  user: string,
  password: string,
  name: string,
): Promise<void> {
  const vhost = encodeURIComponent(name);
  const created = await management(managementUrl, user, password, 'PUT', `vhosts/${vhost}`, {});
  if (!created.ok)
    throw new Error(`creating vhost ${name} failed: ${created.status} ${await created.text()}`);
  await created.arrayBuffer().catch(() => undefined);
  const perms = await management(
    managementUrl,
    user,
    password,
    'PUT',
    `permissions/${vhost}/${encodeURIComponent(user)}`,
    {
      configure: '.*',
      write: '.*',
      read: '.*',
    },
  );
  if (!perms.ok)
    throw new Error(`setting permissions on vhost ${name} failed: ${perms.status} ${await perms.text()}`);
  await perms.arrayBuffer().catch(() => undefined);
}

/** Deletes vhost `name` with everything in it (queues, exchanges, connections). A missing vhost is fine. */
export async function deleteVhost(
  managementUrl: string,
  user: string,
  password: string,
  name: string,
): Promise<void> {
  const res = await management(managementUrl, user, password, 'DELETE', `vhosts/${encodeURIComponent(name)}`);
  if (!res.ok && res.status !== 404)
    throw new Error(`deleting vhost ${name} failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer().catch(() => undefined);
}

/** The AMQP URL of `vhost` on the broker of `amqpUrl` (same credentials, host and port). */
export function amqpUrlForVhost(amqpUrl: string, vhost: string): string {
  const u = new URL(amqpUrl);
  u.pathname = `/${encodeURIComponent(vhost)}`;
  return u.toString();
}
