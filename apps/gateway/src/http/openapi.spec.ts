import { describe, expect, it } from 'vitest';
import { JOB_CATALOG, JOB_TYPES } from '@quire/job-model';
import { buildOpenApi, resultSchemaName } from './openapi';

describe('OpenAPI document', () => {
  it('describes every available job type with the validated params schema', () => {
    const spec = buildOpenApi() as {
      openapi: string;
      paths: Record<
        string,
        {
          post?: {
            requestBody: {
              content: Record<
                string,
                { schema: { properties: { params: { properties: Record<string, { enum?: string[] }> } } } }
              >;
            };
          };
        }
      >;
    };
    expect(spec.openapi).toBe('3.1.0');
    const compress = spec.paths['/v1/jobs/compress'].post!;
    const params = compress.requestBody.content['multipart/form-data'].schema.properties.params;
    expect(params.properties.preset.enum).toEqual(['lossless', 'screen', 'ebook', 'printer', 'prepress']);
    expect(spec.paths['/v1/jobs/{id}']).toBeDefined();
  });

  it('documents the result of every available job type, as presented (outputs with url, never a storage key)', () => {
    type Schema = {
      properties?: Record<string, Schema>;
      items?: Schema;
      required?: string[];
      anyOf?: Array<{ $ref?: string }>;
      additionalProperties?: unknown;
      const?: string;
      minItems?: number;
      maxItems?: number;
    };
    const spec = buildOpenApi() as {
      components: { schemas: Record<string, Schema> };
      paths: Record<
        string,
        { get?: { responses: Record<string, { content?: Record<string, { schema: Schema }> }> } }
      >;
    };
    const available = JOB_TYPES.filter((t) => JOB_CATALOG[t].public && JOB_CATALOG[t].available);
    const names = available.map(resultSchemaName);
    expect(names).toContain('ConvertToImagesResult');
    for (const name of names) expect(spec.components.schemas[name], name).toBeDefined();
    expect(spec.components.schemas.ExtractInvoiceResult).toBeDefined();
    expect(spec.components.schemas.StatementReportResult).toBeDefined();
    // Admin-only: not in the public document.
    expect(spec.components.schemas.HealthCheckResult).toBeUndefined();

    const compress = spec.components.schemas.CompressResult;
    expect(compress.required).toEqual(
      expect.arrayContaining(['preset', 'inputBytes', 'outputBytes', 'ratio', 'keptOriginal', 'outputs']),
    );
    const output = compress.properties!.outputs;
    expect([output.minItems, output.maxItems]).toEqual([1, 1]);
    expect(Object.keys(output.items!.properties!)).toEqual(['name', 'bytes', 'contentType', 'pages', 'url']);
    expect(output.items!.properties!.contentType.const).toBe('application/pdf');
    // Results only grow: the document leaves objects open.
    expect(JSON.stringify(spec.components.schemas)).not.toContain('"additionalProperties":false');

    const job = spec.components.schemas.Job;
    expect(job.properties!.result.anyOf!.map((s) => s.$ref)).toEqual([
      undefined,
      ...names.map((n) => `#/components/schemas/${n}`),
    ]);
    const result =
      spec.paths['/v1/jobs/{id}/result'].get!.responses['200'].content!['application/json'].schema;
    expect(result.anyOf).toHaveLength(names.length);
  });
});

describe('OpenAPI document validity', () => {
  it('is a valid OpenAPI 3.1 document (checked against the specification’s JSON Schema)', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const res = await validator.validate(buildOpenApi());
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
  });
});
