import { zodToJsonSchema } from 'zod-to-json-schema';

/**
 * Building blocks shared by the job and admin parts of the OpenAPI document: error responses, the response headers
 * the gateway sets, and zod → JSON Schema conversion. Kept apart so each part reads as a list of routes.
 */

export type Json = Record<string, unknown>;

/** The headers the gateway sets, as reusable components (referenced from responses). */
export const HEADER_COMPONENTS: Json = {
  'X-Correlation-Id': {
    description:
      'The request’s correlation id: the one the client sent (1–128 of `A-Za-z0-9._:-`) or a new UUID. Every log line of the request and of the job it creates carries it.',
    schema: { type: 'string' },
  },
  Location: {
    description: 'Where the job can be read: `/v1/jobs/{id}`.',
    schema: { type: 'string' },
  },
  'Idempotent-Replayed': {
    description:
      '`true` when the `Idempotency-Key` was seen before: the body is the job that key created, and nothing new was created.',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (429: tenant limits; 503: a dependency is down).',
    schema: { type: 'integer', minimum: 1 },
  },
};

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Headers on every response, plus the named ones. */
export function headers(...names: string[]): Json {
  return Object.fromEntries(['X-Correlation-Id', ...names].map((n) => [n, headerRef(n)]));
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request: the message names the field',
  401: 'missing, unknown, expired or revoked credentials',
  403: 'the credentials may not do this (role)',
  404: 'no such route, job type, job or output (another tenant’s job is as missing as one that does not exist)',
  409: 'the job is not in a state that allows this',
  410: 'the output was removed by retention or deletion',
  413: 'the upload or the tenant’s stored bytes are over a limit',
  415: 'the file type is not accepted by this job type',
  429: 'a tenant limit was reached (submission rate, unfinished jobs, event streams); see Retry-After',
  503: 'a dependency (database, broker) is unavailable; see Retry-After',
};

/** Error responses with the shared `Error` body; 429 and 503 carry `Retry-After`. */
export function errors(...codes: number[]): Json {
  return Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description: ERROR_DESCRIPTIONS[c] ?? 'error',
        headers: c === 429 || c === 503 ? headers('Retry-After') : headers(),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );
}

/** A JSON response. */
export function jsonResponse(description: string, schema: Json, headerNames: string[] = []): Json {
  return { description, headers: headers(...headerNames), content: { 'application/json': { schema } } };
}

/** A zod schema as OpenAPI 3.1 JSON Schema, inlined (no $refs into definitions). */
export function fromZod(schema: Parameters<typeof zodToJsonSchema>[0]): Json {
  const { $schema: _dialect, ...json } = zodToJsonSchema(schema, {
    target: 'openApi3',
    $refStrategy: 'none',
  }) as Json;
  return json;
}

/** `convert-to-images` → `ConvertToImages`. */
export function pascalCase(kebab: string): string {
  return kebab.replace(/(^|-)([a-z0-9])/g, (_m, _dash: string, c: string) => c.toUpperCase());
}

export const uuidPath = (name: string, description?: string): Json => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  ...(description ? { description } : {}),
});
