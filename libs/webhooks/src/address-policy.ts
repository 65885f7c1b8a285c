import { BlockList, isIP } from 'node:net';

/**
 * Where callbacks may not go unless the operator allows it (docs/architecture.md (webhooks, SSRF)): the addresses
 * of the platform's own network and of the machine itself. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are
 * checked as the IPv4 address they carry; NAT64 (`64:ff9b::/96`) is refused outright (it reaches any IPv4 host).
 */
const REFUSED_V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
];
const REFUSED_V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique-local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const refused = REFUSED_V4.map(([net, prefix, why]) => ({ list: blockOf(net, prefix, 'ipv4'), why })).concat(
  REFUSED_V6.map(([net, prefix, why]) => ({ list: blockOf(net, prefix, 'ipv6'), why })),
);

function blockOf(net: string, prefix: number, family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return list;
}

/** `::ffff:a.b.c.d` (and its hex form `::ffff:7f00:1`) → `a.b.c.d`; anything else unchanged. */
export function unmapIpv4(address: string): string {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted?.[1] && isIP(dotted[1]) === 4) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex?.[1] && hex[2]) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return a;
}

/** Why an IP address is refused as a callback target (e.g. "loopback"), or null when it is public. */
export function refusedRange(address: string): string | null {
  const ip = unmapIpv4(address);
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const r of refused) if (r.list.check(ip, type)) return r.why;
  return null;
}

/**
 * The operator's exceptions (`QUIRE_WEBHOOK_ALLOW_PRIVATE`: comma-separated CIDRs, IPs or host names), e.g. a
 * receiver inside the cluster, or 127.0.0.1 in tests. A host name entry allows that name whatever it resolves to.
 */
export class AddressAllowList {
  private readonly nets = new BlockList();
  private readonly hosts = new Set<string>();

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const [net, prefixText] = entry.split('/', 2);
      const ip = unmapIpv4(net ?? '');
      const family = isIP(ip);
      if (family === 0) {
        if (prefixText !== undefined) throw new Error(`"${raw}" is not a CIDR`);
        this.hosts.add(entry);
        continue;
      }
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
        throw new Error(`"${raw}" has a bad prefix`);
      this.nets.addSubnet(ip, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  static parse(text: string | undefined): AddressAllowList {
    return new AddressAllowList((text ?? '').split(','));
  }

  allowsHost(hostname: string): boolean {
    return this.hosts.has(hostname.toLowerCase().replace(/\.$/, ''));
  }

  allowsAddress(address: string): boolean {
    const ip = unmapIpv4(address);
    const family = isIP(ip);
    return family !== 0 && this.nets.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Why the address may not be called (with the allow-list applied), or null when it may. */
export function addressProblem(address: string, allow: AddressAllowList): string | null {
  if (allow.allowsAddress(address)) return null;
  const why = refusedRange(address);
  return why ? `${unmapIpv4(address)} is a ${why} address` : null;
}
