import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, baseAppSchema, env, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('reports every problem at once', () => {
    const schema = baseAppSchema.extend({ PORT: env.port(3000) });
    try {
      loadConfig(schema, { QUIRE_AMQP_URL: 'http://x', PORT: 'abc' });
      expect.fail('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toContain('QUIRE_AMQP_URL');
      expect(problems).toContain('QUIRE_DATABASE_URL');
      expect(problems).toContain('QUIRE_STORAGE_DIR');
      expect(problems).toContain('PORT');
    }
  });

  it('applies defaults and coerces types', () => {
    const cfg = loadConfig(z.object({ PORT: env.port(3000), FLAG: env.bool(true), N: env.int(5) }), {
      N: '7',
    });
    expect(cfg).toEqual({ PORT: 3000, FLAG: true, N: 7 });
  });
});
