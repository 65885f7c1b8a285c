import { zodToJsonSchema } from 'zod-to-json-schema';
import { JOB_CATALOG, JOB_STATUSES, jobParamSchemas, type JobType } from '@quire/job-model';
import { presentedResultSchema } from './job-presenter';

/** `convert-to-images` → `ConvertToImagesResult`: the component holding that type's result schema. */
export function resultSchemaName(type: JobType): string {
  const pascal = type.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase());
  return `${pascal}Result`;
}

/**
 * A job type's presented result as JSON Schema (2020-12 compatible, as OpenAPI 3.1 expects). Workers hold results
 * to their schema exactly, but the document leaves objects open: the contract only grows, so clients must ignore
 * fields they do not know.
 */
function resultJsonSchema(type: JobType): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = zodToJsonSchema(presentedResultSchema(type), {
    target: 'jsonSchema7',
    $refStrategy: 'none',
    rejectedAdditionalProperties: undefined,
  }) as Record<string, unknown>;
  return { ...schema, description: `The result of a completed \`${type}\` job (new fields may be added).` };
}

/**
 * The OpenAPI 3.1 description of the public contract (docs/architecture.md §7). Param and result schemas are generated
 * from the same zod schemas the gateway validates params with and workers check results with, so the document
 * cannot drift from the behaviour.
 */
export function buildOpenApi(): Record<string, unknown> {
  const types = (Object.keys(JOB_CATALOG) as JobType[]).filter(
    (t) => JOB_CATALOG[t].public && JOB_CATALOG[t].available,
  );
  const error = { $ref: '#/components/schemas/Error' };
  const job = { $ref: '#/components/schemas/Job' };
  const resultRef = (type: JobType) => ({ $ref: `#/components/schemas/${resultSchemaName(type)}` });
  const anyResult = { anyOf: types.map(resultRef) };
  const errors = (...codes: number[]) =>
    Object.fromEntries(
      codes.map((c) => [
        String(c),
        { description: 'error', content: { 'application/json': { schema: error } } },
      ]),
    );
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  const paths: Record<string, unknown> = {};
  for (const type of types) {
    paths[`/v1/jobs/${type}`] = {
      post: {
        summary: `Submit a ${type} job`,
        description: `Once completed, the job's \`result\` is a ${resultSchemaName(type)}.`,
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', maxLength: 255 },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: {
                  file: {
                    type: 'array',
                    items: { type: 'string', format: 'binary' },
                    minItems: JOB_CATALOG[type].minFiles,
                    maxItems: JOB_CATALOG[type].maxFiles,
                  },
                  params: {
                    ...zodToJsonSchema(jobParamSchemas[type], { target: 'openApi3', $refStrategy: 'none' }),
                    description: 'JSON object',
                  },
                },
              },
            },
            // Job types whose input may be another job's result take the params alone as a JSON body.
            ...(JOB_CATALOG[type].source
              ? {
                  'application/json': {
                    schema: zodToJsonSchema(jobParamSchemas[type], {
                      target: 'openApi3',
                      $refStrategy: 'none',
                    }),
                  },
                }
              : {}),
          },
        },
        responses: {
          '202': { description: 'accepted', content: { 'application/json': { schema: job } } },
          ...errors(400, 401, 404, 413, 415),
        },
      },
    };
  }
  paths['/v1/jobs'] = {
    get: {
      summary: "The caller's jobs, newest first",
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
        { name: 'status', in: 'query', schema: { type: 'string', enum: JOB_STATUSES } },
        { name: 'type', in: 'query', schema: { type: 'string' } },
      ],
      responses: {
        '200': {
          description: 'a page',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  items: { type: 'array', items: job },
                  nextCursor: { type: ['string', 'null'] },
                },
              },
            },
          },
        },
        ...errors(400, 401),
      },
    },
  };
  paths['/v1/jobs/{id}'] = {
    get: {
      summary: 'A job',
      parameters: [idParam],
      responses: {
        '200': { description: 'the job', content: { 'application/json': { schema: job } } },
        ...errors(401, 404),
      },
    },
    delete: {
      summary: 'Cancel an unfinished job, or delete a finished one',
      parameters: [idParam],
      responses: {
        '200': { description: 'cancelled at once' },
        '202': { description: 'cancel requested' },
        '204': { description: 'deleted' },
        ...errors(401, 404),
      },
    },
  };
  paths['/v1/jobs/{id}/result'] = {
    get: {
      summary: 'The result of a completed job',
      parameters: [idParam],
      responses: {
        '200': {
          description: "the result object, per the job's type",
          content: { 'application/json': { schema: anyResult } },
        },
        ...errors(401, 404, 409),
      },
    },
  };
  paths['/v1/jobs/{id}/audit'] = {
    get: {
      summary: 'The audit record of a redact job: who asked, and counts per type and page (never the values)',
      parameters: [idParam],
      responses: {
        '200': {
          description: 'the audit record',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  jobId: { type: 'string', format: 'uuid' },
                  tenantId: { type: 'string', format: 'uuid' },
                  keyId: {
                    type: 'string',
                    description: 'the API key (or `jwt:…` identity) that submitted it',
                  },
                  submittedBy: { type: ['string', 'null'] },
                  mode: { type: 'string', enum: ['redact', 'detect'] },
                  sourceJobId: { type: ['string', 'null'], format: 'uuid' },
                  status: { type: 'string', enum: JOB_STATUSES },
                  submittedAt: { type: 'string', format: 'date-time' },
                  completedAt: { type: ['string', 'null'], format: 'date-time' },
                  counts: { type: ['object', 'null'], additionalProperties: { type: 'integer' } },
                  pages: {
                    type: ['array', 'null'],
                    items: {
                      type: 'object',
                      properties: {
                        page: { type: 'integer' },
                        counts: { type: 'object', additionalProperties: { type: 'integer' } },
                      },
                    },
                  },
                  pagesChanged: { type: ['array', 'null'], items: { type: 'integer' } },
                },
              },
            },
          },
        },
        ...errors(401, 404),
      },
    },
  };
  paths['/v1/jobs/{id}/download'] = {
    get: {
      summary: 'The output file (or a ZIP of all outputs)',
      parameters: [idParam],
      responses: { '200': { description: 'file' }, ...errors(401, 404, 409, 410) },
    },
  };
  paths['/v1/jobs/{id}/outputs/{name}'] = {
    get: {
      summary: 'One output by name',
      parameters: [idParam, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'file' }, ...errors(401, 404, 409, 410) },
    },
  };
  paths['/v1/jobs/{id}/retry'] = {
    post: {
      summary: 'Re-run a failed or cancelled job',
      parameters: [idParam],
      responses: {
        '202': { description: 'requeued', content: { 'application/json': { schema: job } } },
        ...errors(401, 404, 409),
      },
    },
  };
  paths['/v1/jobs/{id}/events'] = {
    get: {
      summary: 'Server-Sent Events: the job JSON on every change until terminal',
      parameters: [idParam],
      responses: { '200': { description: 'text/event-stream' } },
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Quire API',
      version: '1.0.0',
      description:
        'Asynchronous PDF processing. Authenticate with `Authorization: Bearer <api key>`, or with ' +
        '`Authorization: Bearer <JWT>` from an identity provider the deployment trusts (QUIRE_JWT_ISSUERS).',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (`qk_…`) or a JWT of a configured issuer; a JWT user with role `user` sees only the jobs they submitted.',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'object' },
              },
            },
          },
        },
        ...Object.fromEntries(types.map((t) => [resultSchemaName(t), resultJsonSchema(t)])),
        Job: {
          type: 'object',
          required: [
            'id',
            'type',
            'status',
            'progress',
            'attempts',
            'error',
            'result',
            'createdAt',
            'updatedAt',
          ],
          properties: {
            id: { type: 'string', format: 'uuid' },
            type: { type: 'string', enum: types },
            status: { type: 'string', enum: JOB_STATUSES },
            progress: {
              type: 'object',
              required: ['percent', 'stage', 'message'],
              properties: {
                percent: { type: 'number' },
                stage: { type: 'string' },
                message: { type: 'string' },
              },
            },
            attempts: { type: 'integer' },
            error: {
              oneOf: [
                { type: 'null' },
                { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
              ],
            },
            result: {
              description: "null until completed; then the result schema of the job's type",
              anyOf: [{ type: 'null' }, ...types.map(resultRef)],
            },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

/** A dependency-free page for /docs (no CDN here or in air-gapped clusters): the routes and their params. */
export function renderDocsPage(spec: Record<string, unknown>): string {
  const paths = spec.paths as Record<string, Record<string, { summary?: string }>>;
  const rows = Object.entries(paths)
    .flatMap(([p, ops]) =>
      Object.entries(ops).map(
        ([m, op]) =>
          `<tr><td><code>${m.toUpperCase()}</code></td><td><code>${p}</code></td><td>${escapeHtml(op.summary ?? '')}</td></tr>`,
      ),
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Quire API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}td{padding:.2rem .6rem;border-bottom:1px solid #ddd}</style></head>
<body><h1>Quire API v1</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Auth: <code>Authorization: Bearer &lt;api key&gt;</code>.</p>
<table>${rows}</table></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
