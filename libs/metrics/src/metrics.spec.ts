import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics';

/** The value of one sample of the exposition text, whatever the order of its labels; undefined when absent. */
function sample(body: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (
      Object.keys(got).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => got[k] === v)
    )
      return Number(m[3]);
  }
  return undefined;
}

describe('QuireMetrics', () => {
  it('records attempts as a histogram per type and outcome, counts retries, and labels every series with the service', async () => {
    const m = createMetrics('test-worker', { defaultMetrics: false });
    m.recordAttempt('compress', 'completed', 1.2);
    m.recordAttempt('compress', 'retrying', 0.3);
    m.deadLetters.inc({ queue: 'compression', type: 'compress' });
    const { body, contentType } = await m.render();
    expect(contentType).toMatch(/text\/plain/);
    expect(
      sample(body, 'quire_job_attempt_duration_seconds_bucket', {
        le: '2.5',
        service: 'test-worker',
        type: 'compress',
        outcome: 'completed',
      }),
    ).toBe(1);
    expect(
      sample(body, 'quire_job_attempt_duration_seconds_bucket', {
        le: '1',
        service: 'test-worker',
        type: 'compress',
        outcome: 'completed',
      }),
    ).toBe(0);
    expect(sample(body, 'quire_job_retries_total', { service: 'test-worker', type: 'compress' })).toBe(1);
    expect(
      sample(body, 'quire_job_attempts_total', {
        service: 'test-worker',
        type: 'compress',
        outcome: 'retrying',
      }),
    ).toBe(1);
    expect(
      sample(body, 'quire_job_dead_letters_total', {
        service: 'test-worker',
        queue: 'compression',
        type: 'compress',
      }),
    ).toBe(1);
  });

  it('includes the default process metrics unless disabled', async () => {
    expect((await createMetrics('a').render()).body).toContain('process_cpu_user_seconds_total');
    expect((await createMetrics('b', { defaultMetrics: false }).render()).body).not.toContain(
      'process_cpu_user_seconds_total',
    );
  });

  it('reads job counts on scrape, caches them, and keeps the last values when the source fails', async () => {
    const errors: string[] = [];
    const m = createMetrics('gw', { defaultMetrics: false, onSourceError: (s) => errors.push(s) });
    let calls = 0;
    let fail = false;
    m.registerJobCounts(() => {
      calls++;
      if (fail) return Promise.reject(new Error('database down'));
      return Promise.resolve([
        { type: 'compress', status: 'completed', count: 3 + calls },
        { type: 'health-check', status: 'pending', count: 1 },
      ]);
    }, 0);
    expect(
      sample((await m.render()).body, 'quire_jobs', { service: 'gw', type: 'compress', status: 'completed' }),
    ).toBe(4);
    expect(
      sample((await m.render()).body, 'quire_jobs', { service: 'gw', type: 'compress', status: 'completed' }),
    ).toBe(5);
    fail = true;
    const body = (await m.render()).body;
    expect(sample(body, 'quire_jobs', { service: 'gw', type: 'compress', status: 'completed' })).toBe(5);
    expect(errors).toEqual(['jobs']);
    // Metrics are collected concurrently, so the error counter shows up from the next scrape on.
    expect(
      sample((await m.render()).body, 'quire_metrics_source_errors_total', { service: 'gw', source: 'jobs' }),
    ).toBeGreaterThanOrEqual(1);

    const cached = createMetrics('c', { defaultMetrics: false });
    let n = 0;
    cached.registerJobCounts(() => Promise.resolve([{ type: 't', status: 's', count: ++n }]), 60_000);
    await cached.render();
    await cached.render();
    expect(n).toBe(1);
  });

  it('exposes queue depth, consumers and dead letters per queue', async () => {
    const m = createMetrics('mw', { defaultMetrics: false });
    m.registerQueueStats(
      () =>
        Promise.resolve([
          { queue: 'compression', messages: 7, ready: 5, unacked: 2, consumers: 0, deadLetters: 1 },
        ]),
      0,
    );
    const body = (await m.render()).body;
    expect(sample(body, 'quire_queue_messages', { service: 'mw', queue: 'compression' })).toBe(7);
    expect(sample(body, 'quire_queue_messages_ready', { service: 'mw', queue: 'compression' })).toBe(5);
    expect(sample(body, 'quire_queue_messages_unacked', { service: 'mw', queue: 'compression' })).toBe(2);
    expect(sample(body, 'quire_queue_consumers', { service: 'mw', queue: 'compression' })).toBe(0);
    expect(sample(body, 'quire_queue_dead_letters', { service: 'mw', queue: 'compression' })).toBe(1);
  });
});
