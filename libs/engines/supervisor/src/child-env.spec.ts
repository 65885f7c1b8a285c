/**
 * Engine children parse hostile documents: they must not see the worker's secrets. The parent's environment is set
 * here in the test (the worker reads it through @quire/config; a test may set it directly).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRunner } from './command-runner';
import { ChildProcessPool } from './pool';
import type { TestRequest } from './__fixtures__/test-child';

const SECRETS = {
  QUIRE_DATABASE_URL: 'postgres://quire:db-secret@db:5432/quire',
  QUIRE_AMQP_URL: 'amqp://quire:broker-secret@mq:5672',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
};
const saved = new Map<string, string | undefined>();

beforeAll(() => {
  for (const [name, value] of Object.entries({ ...SECRETS, GS_LIB: '/opt/gs/lib', LC_ALL: 'C.UTF-8' })) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
});
afterAll(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function expectNoSecret(env: Record<string, string | undefined>): void {
  for (const name of Object.keys(SECRETS)) expect(env[name], name).toBeUndefined();
  expect(JSON.stringify(env)).not.toMatch(/secret/);
}

describe('engine children get an allow-listed environment, never the worker’s secrets', () => {
  it('a pool child sees PATH, HOME, the locale and the variables its engine asked for, and no secret', async () => {
    const pool = new ChildProcessPool<TestRequest, Record<string, string>>({
      module: new URL('./__fixtures__/test-child.ts', import.meta.url),
      name: 'env-test',
      inheritEnv: ['GS_LIB'],
    });
    try {
      const { value: env } = await pool.run({ op: 'env' });
      expectNoSecret(env);
      expect(env).toMatchObject({ PATH: process.env.PATH, GS_LIB: '/opt/gs/lib', LC_ALL: 'C.UTF-8' });
      if (process.env.HOME) expect(env.HOME).toBe(process.env.HOME);
    } finally {
      await pool.close();
    }
  });

  it('a command sees no secret and no variable it did not ask for', async () => {
    const runner = new CommandRunner({ command: 'env', name: 'env-test' });
    try {
      const { stdout } = await runner.run([]);
      const env = Object.fromEntries(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      ) as Record<string, string>;
      expectNoSecret(env);
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.GS_LIB).toBeUndefined();
    } finally {
      await runner.close();
    }
  });
});
