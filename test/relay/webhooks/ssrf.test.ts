import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../relay/webhooks/client.js';
import { isBlockedAddress, urlProblem } from '../../../relay/webhooks/ssrf.js';

describe('webhook address guard', () => {
  it('blocks loopback, private, CGNAT, link-local, multicast and reserved addresses in every form', () => {
    const blocked = [
      '127.0.0.1',
      '127.255.255.254',
      '10.1.2.3',
      '172.31.255.255',
      '192.168.0.1',
      '100.64.0.1',
      '100.127.255.255',
      '169.254.169.254',
      '0.0.0.0',
      '224.0.0.251',
      '255.255.255.255',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe', // 169.254.169.254, IPv4-mapped in hex
      '::127.0.0.1', // IPv4-compatible
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '64:ff9b::a00:1', // NAT64 of 10.0.0.1
      '64:ff9b::10.0.0.1',
      '2002:7f00:1::1', // 6to4 of 127.0.0.1
      'not-an-address',
    ];
    for (const a of blocked) expect(isBlockedAddress(a), a).toBe(true);
  });

  it('allows public addresses, including public IPv4 behind NAT64 and 6to4', () => {
    for (const a of [
      '8.8.8.8',
      '1.1.1.1',
      '100.128.0.1',
      '172.32.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ])
      expect(isBlockedAddress(a), a).toBe(false);
  });

  it('explains why a URL is refused, and lets the operator allow private addresses', async () => {
    expect(await urlProblem('http://[::1]:8080/x', false)).toBe(
      '::1 is a private, loopback or reserved address.',
    );
    expect(await urlProblem('http://localhost/x', false)).toMatch(
      /^localhost resolves to (127\.0\.0\.1|::1), a private, loopback or reserved address\.$/,
    );
    expect(await urlProblem('gopher://example.com/', false)).toBe('Use an http or https URL.');
    expect(await urlProblem('http://127.0.0.1/', true)).toBeNull();
    expect(await urlProblem('https://8.8.8.8/hook', false)).toBeNull();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
