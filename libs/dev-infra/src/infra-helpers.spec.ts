import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { amqpUrlForVhost, findFreePort, isPortFree, parseManagementUrl, preferPort } from './infra-helpers';

describe('management URLs', () => {
  it('splits credentials off the URL (fetch refuses them) and falls back when there are none', () => {
    expect(parseManagementUrl('http://us%40er:p%3Ass@mq:15672/')).toEqual({
      url: 'http://mq:15672',
      user: 'us@er',
      password: 'p:ss',
    });
    expect(parseManagementUrl('http://mq:15672', { user: 'a', password: 'b' })).toEqual({
      url: 'http://mq:15672',
      user: 'a',
      password: 'b',
    });
  });

  it('points an AMQP URL at a vhost, keeping host and credentials', () => {
    expect(amqpUrlForVhost('amqp://u:p@mq:5672/', 'quire-t-1/a')).toBe('amqp://u:p@mq:5672/quire-t-1%2Fa');
  });
});

describe('ports', () => {
  it('tells a busy port from a free one and prefers the asked-for port only when it is free', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const busy = (server.address() as net.AddressInfo).port;
    try {
      expect(await isPortFree(busy)).toBe(false);
      expect(await preferPort(busy)).not.toBe(busy);
      const free = await findFreePort();
      expect(await isPortFree(free)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
