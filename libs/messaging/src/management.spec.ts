import { describe, expect, it } from 'vitest';
import { parseManagementUrl, vhostOfAmqpUrl } from './management';

describe('management API helpers', () => {
  it('moves credentials out of the URL into a Basic header (fetch() refuses them in URLs)', () => {
    const p = parseManagementUrl('http://quire:s%40cret@127.0.0.1:15672/');
    expect(p.baseUrl).toBe('http://127.0.0.1:15672');
    expect(p.user).toBe('quire');
    expect(p.authorization).toBe(`Basic ${Buffer.from('quire:s@cret').toString('base64')}`);
    expect(parseManagementUrl('http://h:15672', { user: 'a', password: 'b' }).authorization).toBe(
      `Basic ${Buffer.from('a:b').toString('base64')}`,
    );
  });

  it('reads the vhost of an AMQP URL', () => {
    expect(vhostOfAmqpUrl('amqp://u:p@h:5672')).toBe('/');
    expect(vhostOfAmqpUrl('amqp://u:p@h:5672/')).toBe('/');
    expect(vhostOfAmqpUrl('amqp://u:p@h:5672/quire-t-1')).toBe('quire-t-1');
    expect(vhostOfAmqpUrl('amqp://u:p@h:5672/%2F')).toBe('/');
  });
});
