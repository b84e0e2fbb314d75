import { BlockList, isIP } from 'node:net';

/**
 * Addresses a shop-supplied URL (webhook, alert channel, captcha verify_url) must never
 * reach, so that a shop cannot make the relay call its own network (server-side request
 * forgery): loopback, private, carrier-grade NAT, link-local (169.254.169.254 is the cloud
 * metadata service), "this network", multicast, reserved and documentation ranges, and
 * their IPv6 counterparts, IPv4-mapped IPv6 (::ffff:0:0/96) included.
 * https://www.iana.org/assignments/iana-ipv4-special-registry/
 * https://www.iana.org/assignments/iana-ipv6-special-registry/
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::', 96], // IPv4-compatible (deprecated)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 32], // Teredo
  ['2001:10::', 28], // ORCHID
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses. */
function embeddedIpv4(address: string): string | undefined {
  const a = address.toLowerCase();
  const nat64 = /^64:ff9b::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(a);
  const m = nat64 ?? sixToFour;
  if (m) {
    const hi = parseInt(m[1], 16);
    const lo = parseInt(m[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const dotted = /^64:ff9b::(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return dotted?.[1];
}

/**
 * IPv4-mapped IPv6 (::ffff:0:0/96) in any spelling (::ffff:127.0.0.1, ::ffff:7f00:1,
 * 0:0:0:0:0:ffff:…), refused as a whole: no public service needs to be reached this way.
 * Checked by hand because BlockList maps IPv4 addresses into this range when it compares,
 * so a ::ffff:0:0/96 rule in it would block every IPv4 address.
 */
function isIpv4Mapped(address: string): boolean {
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]/`).hostname;
  } catch {
    return false;
  }
  return /^\[::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/** True for an address the relay must not connect to. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  if (isIpv4Mapped(address) || blocked.check(address, 'ipv6')) return true;
  const v4 = embeddedIpv4(address);
  return v4 !== undefined && blocked.check(v4, 'ipv4');
}
