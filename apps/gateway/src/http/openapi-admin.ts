import {
  JOB_CATALOG,
  JOB_STATUSES,
  JOB_TYPES,
  QUEUES,
  jobParamSchemas,
  jobResultSchemas,
  type JobType,
} from '@quire/job-model';
import { errors, fromZod, jsonResponse, pascalCase, type Json } from './openapi-parts';

/** The maintenance tasks an operator can run (the same list the maintenance router accepts). */
const TASKS = JOB_TYPES.filter((t) => JOB_CATALOG[t].queue === 'maintenance' && JOB_CATALOG[t].available);

const queueParam: Json = {
  name: 'queue',
  in: 'path',
  required: true,
  schema: { type: 'string', enum: [...QUEUES] },
};

const nullable = (type: string, extra: Json = {}): Json => ({ type: [type, 'null'], ...extra });

const DEAD_LETTER: Json = {
  type: 'object',
  required: [
    'jobId',
    'type',
    'reason',
    'attempts',
    'correlationId',
    'deadLetteredBy',
    'tenantId',
    'jobStatus',
  ],
  properties: {
    jobId: nullable('string'),
    type: nullable('string'),
    reason: nullable('string', { description: 'why it was dead-lettered, as the worker or the broker said' }),
    attempts: nullable('integer'),
    correlationId: nullable('string'),
    deadLetteredBy: { type: 'string', enum: ['worker', 'broker'] },
    tenantId: nullable('string'),
    jobStatus: { anyOf: [{ type: 'null' }, { type: 'string', enum: [...JOB_STATUSES] }] },
  },
};

const REPLAY_OUTCOME: Json = {
  type: 'object',
  required: ['jobId', 'action', 'status'],
  properties: {
    jobId: nullable('string'),
    action: { type: 'string', enum: ['requeued', 'republished', 'recovered', 'dropped', 'kept'] },
    status: { anyOf: [{ type: 'null' }, { type: 'string', enum: [...JOB_STATUSES] }] },
    reason: { type: 'string' },
  },
};

const JOB_ID_REASON: Json = {
  type: 'array',
  items: { type: 'object', properties: { jobId: nullable('string'), reason: { type: 'string' } } },
};

const JOB_PAGE: Json = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: { $ref: '#/components/schemas/Job' } },
    nextCursor: nullable('string'),
  },
};

/**
 * `/v1/admin/*` (docs/architecture.md §7): a tenant admin sees and replays its own tenant's dead letters; the
 * platform operator (created only by the command line) sees every tenant's, purges, reads queue depths and runs
 * maintenance. Each operation says which role it needs.
 */
export function adminPaths(): Json {
  const paths: Json = {};
  paths['/v1/admin/queues'] = {
    get: {
      operationId: 'listQueues',
      tags: ['admin'],
      summary: 'Queue depths, consumers and dead letters of every queue (operator)',
      responses: {
        '200': jsonResponse('one row per queue', {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: [
                  'queue',
                  'declared',
                  'messages',
                  'consumers',
                  'deadLetters',
                  'completedPerMinute',
                  'failedPerMinute',
                ],
                properties: {
                  queue: { type: 'string', enum: [...QUEUES] },
                  declared: { type: 'boolean', description: 'false until a worker of the queue has started' },
                  messages: { type: 'integer' },
                  consumers: { type: 'integer' },
                  deadLetters: { type: 'integer' },
                  completedPerMinute: {
                    type: 'number',
                    description:
                      'jobs of this queue completed per minute over the last 5 minutes (every tenant)',
                  },
                  failedPerMinute: {
                    type: 'number',
                    description: 'jobs of this queue failed per minute over the last 5 minutes',
                  },
                },
              },
            },
          },
        }),
        ...errors(401, 403, 503),
      },
    },
  };
  paths['/v1/admin/dead-letters/{queue}'] = {
    get: {
      operationId: 'listDeadLetters',
      tags: ['admin'],
      summary: 'The dead letters of a queue: the caller’s tenant’s (admin) or every tenant’s (operator)',
      parameters: [
        queueParam,
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      ],
      responses: {
        '200': jsonResponse('dead letters, oldest first', {
          type: 'object',
          required: ['queue', 'items'],
          properties: { queue: { type: 'string' }, items: { type: 'array', items: DEAD_LETTER } },
        }),
        ...errors(400, 401, 403, 404, 503),
      },
    },
    delete: {
      operationId: 'purgeDeadLetters',
      tags: ['admin'],
      summary: 'Remove every dead letter of a queue (operator)',
      parameters: [queueParam],
      responses: {
        '200': jsonResponse('purged', {
          type: 'object',
          required: ['queue', 'purged'],
          properties: { queue: { type: 'string' }, purged: { type: 'integer' } },
        }),
        ...errors(401, 403, 404, 503),
      },
    },
  };
  paths['/v1/admin/dead-letters/{queue}/replay'] = {
    post: {
      operationId: 'replayDeadLetters',
      tags: ['admin'],
      summary: 'Bring dead-lettered jobs back: one (`{"jobId"}`) or all the caller may see (`{}`)',
      description:
        'A dead letter is never dropped while its job is unfinished: pending/retrying jobs are queued again, a processing job with no live worker is taken back, failed or cancelled jobs are re-run; only dead letters of completed or missing jobs are removed without queueing anything.',
      parameters: [queueParam],
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: { jobId: { type: 'string', format: 'uuid' } },
            },
          },
        },
      },
      responses: {
        '200': jsonResponse('what happened to each dead letter', {
          type: 'object',
          required: ['queue', 'replayed', 'skipped', 'kept', 'outcomes'],
          properties: {
            queue: { type: 'string' },
            replayed: { type: 'array', items: { type: 'string', format: 'uuid' } },
            skipped: JOB_ID_REASON,
            kept: JOB_ID_REASON,
            outcomes: { type: 'array', items: REPLAY_OUTCOME },
          },
        }),
        ...errors(400, 401, 403, 404, 503),
      },
    },
  };
  for (const task of TASKS) {
    paths[`/v1/admin/maintenance/${task}`] = {
      post: {
        operationId: `run${pascalCase(task)}`,
        tags: ['admin'],
        summary: `Run the ${task} maintenance task now (operator)`,
        description: `Queued as a job of the system tenant on the maintenance queue; once completed its \`result\` is a ${pascalCase(task)}Result.`,
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', maxLength: 200 },
          },
        ],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: fromZod(jobParamSchemas[task]) } },
        },
        responses: {
          '202': jsonResponse('queued', { $ref: '#/components/schemas/Job' }, [
            'Location',
            'Idempotent-Replayed',
          ]),
          ...errors(400, 401, 403, 404, 503),
        },
      },
    };
  }
  paths['/v1/admin/maintenance/jobs'] = {
    get: {
      operationId: 'listMaintenanceJobs',
      tags: ['admin'],
      summary: 'Maintenance jobs, scheduled and operator-run, newest first (operator)',
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
        { name: 'status', in: 'query', schema: { type: 'string', enum: [...JOB_STATUSES] } },
        { name: 'type', in: 'query', schema: { type: 'string', enum: TASKS } },
      ],
      responses: { '200': jsonResponse('a page', JOB_PAGE), ...errors(400, 401, 403) },
    },
  };
  const health = fromZod(jobResultSchemas['health-check' satisfies JobType]);
  paths['/v1/admin/health'] = {
    get: {
      operationId: 'getHealthReport',
      tags: ['admin'],
      summary: 'The latest health report (operator)',
      responses: {
        '200': jsonResponse('the newest completed health-check job’s result, with its age', {
          allOf: [
            health,
            {
              type: 'object',
              required: ['jobId', 'reportedAt', 'ageSeconds'],
              properties: {
                jobId: { type: 'string', format: 'uuid' },
                reportedAt: { type: 'string', format: 'date-time' },
                ageSeconds: { type: 'integer' },
              },
            },
          ],
        }),
        ...errors(401, 403, 404),
      },
    },
  };
  return paths;
}

/** Unauthenticated routes: probes, metrics and this document. */
export function platformPaths(): Json {
  const text = (description: string, type: string): Json => ({
    description,
    content: { [type]: { schema: { type: 'string' } } },
  });
  return {
    '/healthz': {
      get: {
        operationId: 'liveness',
        tags: ['platform'],
        security: [],
        summary: 'Liveness: the process answers',
        responses: {
          '200': jsonResponse('alive', { type: 'object', properties: { status: { const: 'ok' } } }),
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readiness',
        tags: ['platform'],
        security: [],
        summary: 'Readiness: the database and the broker are reachable',
        responses: {
          '200': jsonResponse('ready', { $ref: '#/components/schemas/Readiness' }),
          '503': jsonResponse('not ready: `checks` says which dependency is down', {
            $ref: '#/components/schemas/Readiness',
          }),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        tags: ['platform'],
        security: [],
        summary: 'Prometheus metrics (when enabled)',
        responses: { '200': text('Prometheus text format', 'text/plain'), ...errors(404) },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApiDocument',
        tags: ['platform'],
        security: [],
        summary: 'This document',
        responses: { '200': jsonResponse('OpenAPI 3.1', { type: 'object' }) },
      },
    },
    '/docs': {
      get: {
        operationId: 'apiViewer',
        tags: ['platform'],
        security: [],
        summary: 'An interactive viewer of this document (served by the gateway; no CDN)',
        responses: { '200': text('HTML', 'text/html') },
      },
    },
    '/console': {
      get: {
        operationId: 'webConsole',
        tags: ['platform'],
        security: [],
        summary: 'The web console: submit, follow and download jobs; queues and dead letters for operators',
        responses: { '200': text('HTML', 'text/html') },
      },
    },
  };
}

export const READINESS_SCHEMA: Json = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not-ready'] },
    checks: { type: 'object', additionalProperties: { type: 'boolean' } },
  },
};
