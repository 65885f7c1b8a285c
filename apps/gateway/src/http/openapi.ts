import { zodToJsonSchema } from 'zod-to-json-schema';
import {
  CALLBACK_EVENTS,
  DELIVERY_STATUSES,
  JOB_CATALOG,
  JOB_STATUSES,
  jobParamSchemas,
  type JobType,
} from '@quire/job-model';
import { presentedResultSchema } from './job-presenter';
import { CALLBACK_EVENTS_HEADER, CALLBACK_URL_HEADER, submissionOptionsSchema } from './callback-options';
import { READINESS_SCHEMA, adminPaths, platformPaths } from './openapi-admin';
import {
  HEADER_COMPONENTS,
  errors,
  fromZod,
  headers,
  jsonResponse,
  pascalCase,
  uuidPath,
  type Json,
} from './openapi-parts';

/** `convert-to-images` → `ConvertToImagesResult`: the component holding that type's result schema. */
export function resultSchemaName(type: JobType): string {
  return `${pascalCase(type)}Result`;
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
 * The OpenAPI 3.1 description of the public contract (docs/architecture.md §7): every route the gateway serves (a
 * test walks the Express app and fails on any route missing here). Param and result schemas are generated from the
 * same zod schemas the gateway validates params with and workers check results with, so the document cannot drift
 * from the behaviour.
 */
export function buildOpenApi(): Record<string, unknown> {
  const types = (Object.keys(JOB_CATALOG) as JobType[]).filter(
    (t) => JOB_CATALOG[t].public && JOB_CATALOG[t].available,
  );
  const job = { $ref: '#/components/schemas/Job' };
  const resultRef = (type: JobType) => ({ $ref: `#/components/schemas/${resultSchemaName(type)}` });
  const idParam = uuidPath('id');
  const paths: Json = {};
  for (const type of types) paths[`/v1/jobs/${type}`] = { post: submitOperation(type) };
  paths['/v1/jobs'] = {
    get: {
      operationId: 'listJobs',
      tags: ['jobs'],
      summary: "The caller's jobs, newest first",
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
        { name: 'status', in: 'query', schema: { type: 'string', enum: JOB_STATUSES } },
        { name: 'type', in: 'query', schema: { type: 'string' } },
      ],
      responses: {
        '200': jsonResponse('a page', {
          type: 'object',
          required: ['items', 'nextCursor'],
          properties: {
            items: { type: 'array', items: job },
            nextCursor: { type: ['string', 'null'] },
          },
        }),
        ...errors(400, 401, 503),
      },
    },
  };
  paths['/v1/jobs/{id}'] = {
    get: {
      operationId: 'getJob',
      tags: ['jobs'],
      summary: 'A job',
      parameters: [idParam],
      responses: { '200': jsonResponse('the job', job), ...errors(401, 404, 503) },
    },
    delete: {
      operationId: 'cancelOrDeleteJob',
      tags: ['jobs'],
      summary: 'Cancel an unfinished job, or delete a finished one (its outputs too)',
      parameters: [idParam],
      responses: {
        '200': jsonResponse('cancelled at once (it had not started)', job),
        '202': jsonResponse('cancel requested: the worker stops at its next checkpoint', job),
        '204': { description: 'deleted', headers: headers() },
        ...errors(401, 404, 503),
      },
    },
  };
  paths['/v1/jobs/{id}/result'] = {
    get: {
      operationId: 'getJobResult',
      tags: ['jobs'],
      summary: 'The result of a completed job',
      parameters: [idParam],
      responses: {
        '200': jsonResponse("the result object, per the job's type", { anyOf: types.map(resultRef) }),
        ...errors(401, 404, 409, 503),
      },
    },
  };
  paths['/v1/jobs/{id}/audit'] = {
    get: {
      operationId: 'getJobAudit',
      tags: ['jobs'],
      summary: 'The audit record of a redact job: who asked, counts per type and page (never the values)',
      parameters: [idParam],
      responses: {
        '200': jsonResponse('the audit record', {
          type: 'object',
          properties: {
            jobId: { type: 'string', format: 'uuid' },
            tenantId: { type: 'string', format: 'uuid' },
            keyId: {
              type: 'string',
              description: 'the API key (or `jwt:…` identity) that submitted the job',
            },
            submittedBy: { type: ['string', 'null'] },
            mode: { type: 'string', enum: ['redact', 'detect'] },
            sourceJobId: { type: ['string', 'null'], format: 'uuid' },
            status: { type: 'string', enum: [...JOB_STATUSES] },
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
        }),
        ...errors(401, 404, 503),
      },
    },
  };
  const file = (description: string) => ({
    description,
    headers: headers(),
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  });
  paths['/v1/jobs/{id}/history'] = {
    get: {
      operationId: 'getJobHistory',
      tags: ['jobs'],
      summary: "The job's event history: every status transition, attempt and error, oldest first",
      parameters: [idParam],
      responses: {
        '200': jsonResponse('the transitions', {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['at', 'from', 'to', 'attempt', 'error'],
                properties: {
                  at: { type: 'string', format: 'date-time' },
                  from: {
                    anyOf: [{ type: 'null' }, { type: 'string', enum: JOB_STATUSES }],
                    description: 'null for the creation',
                  },
                  to: { type: 'string', enum: JOB_STATUSES },
                  attempt: { type: 'integer' },
                  error: {
                    oneOf: [
                      { type: 'null' },
                      {
                        type: 'object',
                        properties: { code: { type: 'string' }, message: { type: 'string' } },
                      },
                    ],
                  },
                },
              },
            },
          },
        }),
        ...errors(401, 404, 503),
      },
    },
  };
  paths['/v1/jobs/{id}/download'] = {
    get: {
      operationId: 'downloadJobOutput',
      tags: ['jobs'],
      summary: 'The output file (or a ZIP of all outputs when there are several)',
      parameters: [idParam],
      responses: { '200': file('the file, with its own content type'), ...errors(401, 404, 409, 410, 503) },
    },
  };
  paths['/v1/jobs/{id}/outputs/{name}'] = {
    get: {
      operationId: 'downloadJobOutputByName',
      tags: ['jobs'],
      summary: 'One output by name (`result.outputs[].url`)',
      parameters: [idParam, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': file('the file'), ...errors(401, 404, 409, 410, 503) },
    },
  };
  paths['/v1/jobs/{id}/retry'] = {
    post: {
      operationId: 'retryJob',
      tags: ['jobs'],
      summary: 'Re-run a failed or cancelled job',
      parameters: [idParam],
      responses: {
        '202': jsonResponse('requeued', job, ['Location']),
        ...errors(401, 404, 409, 429, 503),
      },
    },
  };
  paths['/v1/jobs/{id}/events'] = {
    get: {
      operationId: 'streamJobEvents',
      tags: ['jobs'],
      summary: 'Server-Sent Events: the job JSON on every change until terminal',
      description:
        'Each `data:` line is the job JSON; the stream ends after a terminal state. Comment lines keep idle proxies from cutting it.',
      parameters: [idParam],
      responses: {
        '200': {
          description: 'an event stream',
          headers: headers(),
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...errors(401, 404, 429, 503),
      },
    },
  };
  paths['/v1/jobs/{id}/callbacks'] = {
    get: {
      operationId: 'listJobCallbacks',
      tags: ['jobs'],
      summary: "The job's callbacks (webhooks), each with every delivery attempt",
      parameters: [idParam],
      responses: {
        '200': jsonResponse('the callbacks, oldest first', {
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Callback' } } },
        }),
        ...errors(401, 404, 503),
      },
    },
  };
  Object.assign(paths, adminPaths(), platformPaths());

  return {
    openapi: '3.1.0',
    info: {
      title: 'Quire API',
      version: '1.0.0',
      description:
        'Asynchronous PDF processing. Authenticate with `Authorization: Bearer <api key>`, or with ' +
        '`Authorization: Bearer <JWT>` from an identity provider the deployment trusts (QUIRE_JWT_ISSUERS). ' +
        'Every request may carry a W3C `traceparent`: a submitted job’s work (worker, engines) continues that trace. ' +
        'Job callbacks are signed: `Quire-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.',
    },
    tags: [
      { name: 'jobs', description: 'Submit, follow, download and manage jobs of the caller’s tenant' },
      { name: 'admin', description: 'Tenant admins (own tenant) and the platform operator (every tenant)' },
      { name: 'platform', description: 'Probes, metrics and this document (no credentials)' },
    ],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (`qk_…`) or a JWT of a configured issuer; a JWT user with role `user` sees only the jobs they submitted.',
        },
      },
      headers: HEADER_COMPONENTS,
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', description: 'stable machine-readable code, e.g. VALIDATION_ERROR' },
                message: { type: 'string', description: 'what went wrong, for a person' },
                details: { type: 'object' },
              },
            },
          },
        },
        Readiness: READINESS_SCHEMA,
        Callback: CALLBACK_SCHEMA,
        SubmissionOptions: submissionOptionsJson(),
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
            correlationId: {
              type: 'string',
              description:
                'The X-Correlation-Id of the submission (given by the client, or made by the gateway)',
            },
            callbackUrl: {
              type: ['string', 'null'],
              description: "Where this job's callbacks go; null: the tenant's default callback URL, if any",
            },
            callbackEvents: {
              type: 'array',
              items: { type: 'string', enum: [...CALLBACK_EVENTS] },
              description: 'The events called back: the terminal states always, `progress` when asked',
            },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

/**
 * `POST /v1/jobs/{type}`: a multipart upload (`file` parts + a `params` JSON part), or for job types that take
 * another job's result instead of a file (`minFiles: 0`) a JSON body holding the params.
 */
function submitOperation(type: JobType): Json {
  const spec = JOB_CATALOG[type];
  const params = fromZod(jobParamSchemas[type]);
  const takesFiles = spec.maxFiles > 0;
  const multipart = {
    schema: {
      type: 'object',
      required: takesFiles && spec.minFiles > 0 ? ['file'] : [],
      properties: {
        ...(takesFiles
          ? {
              file: {
                type: 'array',
                items: { type: 'string', format: 'binary' },
                minItems: spec.minFiles,
                maxItems: spec.maxFiles,
              },
            }
          : {}),
        params: { ...params, description: 'JSON object' },
        options: {
          $ref: '#/components/schemas/SubmissionOptions',
          description:
            'JSON object: platform options (callbackUrl, callbackEvents). JSON-body submissions use the Quire-Callback-Url and Quire-Callback-Events headers instead.',
        },
      },
    },
  };
  return {
    operationId: `submit${pascalCase(type)}Job`,
    tags: ['jobs'],
    summary: `Submit a ${type} job`,
    description: `Once completed, the job's \`result\` is a ${resultSchemaName(type)}.`,
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'The same key (per tenant) returns the job it created instead of creating another.',
        schema: { type: 'string', maxLength: 255 },
      },
      {
        name: CALLBACK_URL_HEADER,
        in: 'header',
        required: false,
        description:
          'http(s) URL called (POST, the job JSON, signed: Quire-Signature) when the job completes, fails or is cancelled. Same as options.callbackUrl; give one or the other.',
        schema: { type: 'string', format: 'uri', maxLength: 2048 },
      },
      {
        name: CALLBACK_EVENTS_HEADER,
        in: 'header',
        required: false,
        description: 'Comma-separated extra events to call back: `progress`.',
        schema: { type: 'string' },
      },
    ],
    requestBody: {
      required: true,
      // A type with a `source` takes its params alone as JSON too (`redact`: a reviewer's boxes for a detect job).
      content:
        takesFiles && !spec.source
          ? { 'multipart/form-data': multipart }
          : { 'application/json': { schema: params }, 'multipart/form-data': multipart },
    },
    responses: {
      '202': jsonResponse('accepted', { $ref: '#/components/schemas/Job' }, [
        'Location',
        'Idempotent-Replayed',
      ]),
      ...errors(400, 401, 404, 409, 413, 415, 429, 503),
    },
  };
}

/** One callback of a job (GET /v1/jobs/{id}/callbacks). */
const CALLBACK_SCHEMA: Json = {
  type: 'object',
  required: [
    'id',
    'event',
    'url',
    'status',
    'attempts',
    'nextAttemptAt',
    'createdAt',
    'finishedAt',
    'history',
  ],
  properties: {
    id: {
      type: 'string',
      description: 'Also sent as the Quire-Delivery-Id header (receivers deduplicate on it)',
    },
    event: { type: 'string', enum: [...CALLBACK_EVENTS] },
    url: { type: 'string' },
    status: {
      type: 'string',
      enum: [...DELIVERY_STATUSES],
      description: '`failed`: every attempt failed (or the address was refused); nothing more is tried',
    },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['startedAt', 'durationMs', 'statusCode', 'error'],
        properties: {
          startedAt: { type: 'string', format: 'date-time' },
          durationMs: { type: 'integer' },
          statusCode: { type: ['integer', 'null'] },
          error: { type: ['string', 'null'] },
        },
      },
    },
  },
};

/** The `options` part; objects in this document stay open (the contract grows), unknown keys are still refused. */
function submissionOptionsJson(): Json {
  const { additionalProperties: _closed, ...schema } = fromZod(submissionOptionsSchema);
  return {
    ...schema,
    description:
      'Platform options of a submission. callbackUrl: http(s) URL called when the job completes, fails or is cancelled; callbackEvents: extra events (`progress`).',
  };
}
