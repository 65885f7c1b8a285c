import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli';
import { EXIT } from './exit-codes';

const JOB = {
  id: '00000000-0000-4000-8000-000000000001',
  type: 'compress',
  status: 'failed',
  progress: { percent: 30, stage: 'compression', message: '' },
  attempts: 1,
  error: { code: 'PDF_ENCRYPTED', message: 'password required' },
  result: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  inputs: [{ name: 'locked.pdf' }],
};

/** The whole command line in-process, against a small server playing three answers of the gateway. */
describe('quire command line → exit codes and output streams', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== 'Bearer qk_good')
        return send(401, { error: { code: 'UNAUTHORIZED', message: 'invalid API key' } });
      if (req.url === `/v1/jobs/${JOB.id}`) return send(200, JOB);
      send(404, { error: { code: 'NOT_FOUND', message: 'job 42 not found' } });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  async function quire(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: { QUIRE_URL: url, QUIRE_API_KEY: 'qk_good', XDG_CONFIG_HOME: '/nonexistent' },
    });
    return { code, stdout, stderr };
  }

  it('prints the job as JSON on stdout and nothing else', async () => {
    const r = await quire('get', JOB.id, '--json');
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.stdout)).toEqual(JOB);
    expect(r.stderr).toBe('');
  });

  it('waits for a job that already failed: exit 1, the reason on stdout', async () => {
    const r = await quire('watch', JOB.id);
    expect(r.code).toBe(EXIT.failed);
    expect(r.stdout).toContain('failed     compress  locked.pdf: PDF_ENCRYPTED: password required');
  });

  it('maps a bad key to 4, a missing job to 5, a bad command line to 2; messages on stderr only', async () => {
    const auth = await quire('--api-key', 'qk_bad', 'list');
    expect(auth).toMatchObject({ code: EXIT.auth, stdout: '' });
    expect(auth.stderr).toBe(
      'quire: invalid API key (check the API key: --api-key, QUIRE_API_KEY or the profile)\n',
    );
    const missing = await quire('get', '42', '--json');
    expect(missing).toMatchObject({ code: EXIT.rejected, stdout: '', stderr: 'quire: job 42 not found\n' });
    const usage = await quire('get');
    expect(usage).toMatchObject({ code: EXIT.usage, stdout: '' });
    expect((await quire('--help')).stdout).toMatch(/Exit codes:/);
  });
});
