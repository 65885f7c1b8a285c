import { describe, expect, it } from 'vitest';
import { buildOpenApi } from './openapi';

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
});
