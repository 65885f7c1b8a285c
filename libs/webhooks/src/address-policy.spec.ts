import { describe, expect, it } from 'vitest';
import { AddressAllowList, addressProblem, refusedRange, unmapIpv4 } from './address-policy';
import { callbackUrlProblem } from './callback-url';

describe('SSRF address policy', () => {
  const none = AddressAllowList.parse('');

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved / broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'unique-local (private)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
    ['64:ff9b::a00:1', 'NAT64'],
  ])('refuses %s (%s)', (ip, why) => {
    expect(refusedRange(ip)).toBe(why);
    expect(addressProblem(ip, none)).toContain(why);
  });

  it.each(['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'accepts public %s',
    (ip) => {
      expect(refusedRange(ip)).toBeNull();
    },
  );

  it('unmaps IPv4-mapped IPv6 in both notations', () => {
    expect(unmapIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpv4('[::FFFF:a00:1]')).toBe('10.0.0.1');
    expect(unmapIpv4('2001:db8::1')).toBe('2001:db8::1');
  });

  it('lets the allow-list open CIDRs, single IPs and host names', () => {
    const allow = AddressAllowList.parse('127.0.0.1, 10.20.0.0/16, fd00::/8, hooks.internal');
    expect(addressProblem('127.0.0.1', allow)).toBeNull();
    expect(addressProblem('::ffff:127.0.0.1', allow)).toBeNull();
    expect(addressProblem('127.0.0.2', allow)).toContain('loopback');
    expect(addressProblem('10.20.9.9', allow)).toBeNull();
    expect(addressProblem('10.21.0.1', allow)).toContain('private');
    expect(addressProblem('fd12::1', allow)).toBeNull();
    expect(allow.allowsHost('HOOKS.internal.')).toBe(true);
    expect(() => AddressAllowList.parse('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => AddressAllowList.parse('name/8')).toThrow(/CIDR/);
  });
});

describe('callback URL at submission', () => {
  const none = AddressAllowList.parse('');

  it.each([
    ['ftp://example.com/x', 'must use http or https'],
    ['file:///etc/passwd', 'must use http or https'],
    ['gopher://example.com', 'must use http or https'],
    ['not a url', 'is not an absolute URL'],
    ['https://user:pw@example.com/', 'must not contain credentials'],
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://2130706433/hook', 'loopback'],
    ['http://0x7f.1/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://[::ffff:10.0.0.1]/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    [`https://example.com/${'a'.repeat(2100)}`, 'longer than'],
  ])('refuses %s', (url, why) => {
    expect(callbackUrlProblem(url, none)).toContain(why);
  });

  it('accepts public http(s) URLs and host names (checked after resolution, at delivery)', () => {
    expect(callbackUrlProblem('https://hooks.example.com/quire?x=1', none)).toBeNull();
    expect(callbackUrlProblem('http://localhost:9999/', none)).toBeNull();
    expect(callbackUrlProblem('http://127.0.0.1:9/', AddressAllowList.parse('127.0.0.1'))).toBeNull();
  });
});
