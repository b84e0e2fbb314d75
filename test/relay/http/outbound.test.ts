import { readdirSync, readFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../relay/config.js';
import {
  BlockedAddressError,
  createOutbound,
  isBlockedAddress,
  parseRetryAfter,
  type Lookup,
} from '../../../relay/http/outbound.js';

/** A resolver answering `name` with `addresses` (and failing for every other name). */
const fixedLookup =
  (name: string, addresses: string[]): Lookup =>
  (hostname, options, callback) => {
    if (hostname !== name)
      return callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);
    const all = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, all);
    else callback(null, all[0].address, all[0].family);
  };

describe('outbound address blocklist', () => {
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
      '::ffff:7f00:1', // the same, as URL parsing writes it
      '0:0:0:0:0:ffff:7f00:1',
      '::ffff:a9fe:a9fe', // 169.254.169.254, IPv4-mapped in hex
      '::ffff:8.8.8.8', // every IPv4-mapped address: ::ffff:0:0/96
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
      '64:ff9b::808:808',
      '2002:808:808::1',
      '::ffff:1:2:3', // not in ::ffff:0:0/96
    ])
      expect(isBlockedAddress(a), a).toBe(false);
  });

  it('explains why a URL is refused, and lets the operator allow private addresses', async () => {
    const strict = createOutbound(testConfig());
    expect(await strict.urlProblem('http://[::1]:8080/x')).toBe(
      '::1 is a private, loopback or reserved address.',
    );
    expect(await strict.urlProblem('http://[::ffff:127.0.0.1]/x')).toBe(
      '::ffff:7f00:1 is a private, loopback or reserved address.',
    );
    expect(await strict.urlProblem('http://localhost/x')).toMatch(
      /^localhost resolves to (127\.0\.0\.1|::1), a private, loopback or reserved address\.$/,
    );
    expect(await strict.urlProblem('gopher://example.com/')).toBe('Use an http or https URL.');
    expect(await strict.urlProblem('https://8.8.8.8/hook')).toBeNull();
    const open = createOutbound(testConfig({ webhookAllowPrivate: true }));
    expect(await open.urlProblem('http://127.0.0.1/')).toBeNull();
    strict.close();
    open.close();
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

describe('the outbound client', () => {
  let server: Server;
  let port: number;
  const connections: Socket[] = [];
  const paths: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      paths.push(req.url!);
      if (req.url === '/big') {
        res.writeHead(200);
        res.end(Buffer.alloc(2 * 1024 * 1024, 'x'));
      } else if (req.url === '/hang') {
        // never answers
      } else res.end('{"ok":true}');
    });
    server.on('connection', (s) => connections.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('refuses the literal ::ffff:127.0.0.1 for a shop URL without connecting', async () => {
    const outbound = createOutbound(testConfig());
    const before = connections.length;
    await expect(outbound.toShopUrl(`http://[::ffff:127.0.0.1]:${port}/`)).rejects.toBeInstanceOf(
      BlockedAddressError,
    );
    await expect(outbound.toShopUrl(`http://127.0.0.1:${port}/`)).rejects.toThrow(
      '127.0.0.1 is a private, loopback or reserved address.',
    );
    expect(connections.length).toBe(before);
    outbound.close();
  });

  it('refuses a name when any address it resolves to is blocked, at connect time', async () => {
    const outbound = createOutbound(testConfig(), {
      lookup: fixedLookup('mixed.example.test', ['93.184.216.34', '127.0.0.1']),
    });
    const before = connections.length;
    await expect(outbound.toShopUrl(`http://mixed.example.test:${port}/`)).rejects.toThrow(
      'mixed.example.test resolves to 127.0.0.1, a private, loopback or reserved address.',
    );
    expect(connections.length).toBe(before);
    outbound.close();
  });

  it('reaches an operator destination on loopback, and only the operator’s origins that way', async () => {
    const outbound = createOutbound(testConfig({ telegramApiUrl: `http://127.0.0.1:${port}` }));
    const res = await outbound.toOperator(`http://127.0.0.1:${port}/botX/getMe`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true });
    await expect(outbound.toOperator(`http://localhost:${port}/`)).rejects.toThrow(
      /not a destination the operator set/,
    );
    // The same host and port as a shop URL is still checked.
    await expect(outbound.toShopUrl(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(
      BlockedAddressError,
    );
    outbound.close();
  });

  it('cuts an answer at maxBytes and gives up after the timeout', async () => {
    const outbound = createOutbound(testConfig({ webhookAllowPrivate: true }));
    const big = await outbound.toShopUrl(`http://127.0.0.1:${port}/big`, { maxBytes: 1000 });
    expect(big.truncated).toBe(true);
    expect(big.body.length).toBe(1000);
    const started = Date.now();
    await expect(
      outbound.toShopUrl(`http://127.0.0.1:${port}/hang`, { timeoutMs: 300 }),
    ).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeLessThan(10_000);
    outbound.close();
  });
});

describe('outbound HTTP in relay/', () => {
  it('goes through relay/http/outbound.ts only (no fetch, http.request or HTTP client elsewhere)', () => {
    const root = join(process.cwd(), 'relay');
    const files = (readdirSync(root, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(root, f));
    expect(files.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      const name = relative(process.cwd(), file);
      if (name === join('relay', 'http', 'outbound.ts')) continue;
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '') // comments may mention fetch
        .replace(/^\s*\/\/.*$/gm, '');
      const rules: [RegExp, string][] = [
        [/(^|[^.\w])fetch\s*\(/, 'global fetch'],
        [/^import\s+(?!type\b)[^;]*from\s+'node:(http|https|http2)'/m, 'an HTTP module'],
        [/\b(connect|createConnection)\b[^;]*from\s+'node:(net|tls)'/, 'a raw socket'],
        [/\b(net|tls)\.(connect|createConnection)\s*\(/, 'a raw socket'],
        [/from\s+'(undici|axios|got|node-fetch|ky)'/, 'an HTTP client package'],
        [/\b(http|https)\.(request|get)\s*\(/, 'http.request'],
      ];
      for (const [rule, what] of rules) if (rule.test(code)) offenders.push(`${name}: ${what}`);
    }
    expect(offenders).toEqual([]);
  });
});
