/**
 * RFC 3263 server location through node:dns's real resolver against a wire-faithful DNS server on
 * loopback (testing/fakes/dns-fake.ts): NAPTR picks the transport, SRV orders targets by priority and
 * weight, A is the fallback; an explicit port or IP skips SRV; sips: asks _sips._tcp and keeps the
 * domain for the certificate check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDns, type FakeDns, type FakeRecord } from '../../testing/fakes/dns-fake.js';
import { orderSrv, parseSipTarget, resolveSipTarget, sipDnsVia } from './sip-target.js';

let dns: FakeDns | undefined;
afterEach(async () => {
  await dns?.close();
  dns = undefined;
});

async function zone(records: FakeRecord[]) {
  dns = await startFakeDns(records);
  return sipDnsVia([dns.server]);
}

const A = (name: string, address: string): FakeRecord => ({ type: 'A', name, address });
const SRV = (name: string, priority: number, weight: number, port: number, target: string): FakeRecord => ({
  type: 'SRV',
  name,
  priority,
  weight,
  port,
  target,
});

describe('parseSipTarget', () => {
  it('reads host, port and the transport the URI names', () => {
    expect(parseSipTarget('sip:pbx.example.com')).toEqual({ host: 'pbx.example.com' });
    expect(parseSipTarget('sip:7000@[2001:db8::1]:5070;transport=TCP')).toEqual({
      host: '2001:db8::1',
      port: 5070,
      transport: 'tcp',
    });
    expect(parseSipTarget('sips:pbx.example.com')).toEqual({ host: 'pbx.example.com', transport: 'tls' });
    expect(parseSipTarget('sip:pbx.example.com;transport=tls')?.transport).toBe('tls');
    expect(parseSipTarget('http://x')).toBeUndefined();
  });
});

describe('resolveSipTarget over DNS', () => {
  it('NAPTR chooses TCP, SRV orders by priority, A gives the addresses', async () => {
    const d = await zone([
      {
        type: 'NAPTR',
        name: 'pbx.test',
        order: 20,
        preference: 10,
        flags: 's',
        service: 'SIP+D2U',
        replacement: '_sip._udp.pbx.test',
      },
      {
        type: 'NAPTR',
        name: 'pbx.test',
        order: 10,
        preference: 10,
        flags: 's',
        service: 'SIP+D2T',
        replacement: '_sip._tcp.pbx.test',
      },
      SRV('_sip._tcp.pbx.test', 20, 0, 5080, 'b.pbx.test'),
      SRV('_sip._tcp.pbx.test', 10, 0, 5070, 'a.pbx.test'),
      SRV('_sip._udp.pbx.test', 10, 0, 5090, 'a.pbx.test'),
      A('a.pbx.test', '127.0.0.2'),
      A('b.pbx.test', '127.0.0.3'),
    ]);
    expect(await resolveSipTarget('sip:pbx.test', d)).toEqual([
      { transport: 'tcp', address: '127.0.0.2', port: 5070 },
      { transport: 'tcp', address: '127.0.0.3', port: 5080 },
    ]);
    expect(dns!.queries.slice(0, 2)).toEqual(['NAPTR pbx.test', 'SRV _sip._tcp.pbx.test']);
  });

  it('no NAPTR: the configured transport’s SRV; none of that either: A on 5060', async () => {
    const d = await zone([
      SRV('_sip._udp.pbx.test', 10, 0, 5099, 'a.pbx.test'),
      A('a.pbx.test', '127.0.0.2'),
    ]);
    expect(await resolveSipTarget('sip:pbx.test', d, { transport: 'udp' })).toEqual([
      { transport: 'udp', address: '127.0.0.2', port: 5099 },
    ]);
    expect(await resolveSipTarget('sip:a.pbx.test', d)).toEqual([
      { transport: 'udp', address: '127.0.0.2', port: 5060 },
    ]);
    expect(dns!.queries).toContain('SRV _sip._udp.a.pbx.test');
  });

  it('an explicit port or an IP is used as given: no NAPTR or SRV asked', async () => {
    const d = await zone([A('a.pbx.test', '127.0.0.2'), SRV('_sip._udp.a.pbx.test', 1, 0, 9, 'x.test')]);
    expect(await resolveSipTarget('sip:a.pbx.test:5071', d)).toEqual([
      { transport: 'udp', address: '127.0.0.2', port: 5071 },
    ]);
    expect(await resolveSipTarget('sip:127.0.0.9;transport=tcp', d)).toEqual([
      { transport: 'tcp', address: '127.0.0.9', port: 5060 },
    ]);
    expect(dns!.queries).toEqual(['A a.pbx.test']);
  });

  it('sips: asks _sips._tcp and keeps the domain as the TLS server name', async () => {
    const d = await zone([
      SRV('_sips._tcp.pbx.test', 10, 0, 5063, 'a.pbx.test'),
      A('a.pbx.test', '127.0.0.2'),
    ]);
    expect(await resolveSipTarget('sips:pbx.test', d)).toEqual([
      { transport: 'tls', address: '127.0.0.2', port: 5063, servername: 'pbx.test' },
    ]);
    expect(dns!.queries[0]).toBe('SRV _sips._tcp.pbx.test');
  });

  it('a name nothing resolves: no hops', async () => {
    const d = await zone([]);
    expect(await resolveSipTarget('sip:nowhere.test', d)).toEqual([]);
  });
});

describe('orderSrv (RFC 2782)', () => {
  const rec = (priority: number, weight: number, name: string) => ({ priority, weight, port: 5060, name });
  it('lowest priority first; within one, weight decides the draw', () => {
    const records = [rec(20, 0, 'backup'), rec(10, 10, 'light'), rec(10, 90, 'heavy')];
    // Draws: 0.5 of 100 falls in heavy's share (10 < 50 ≤ 100).
    expect(orderSrv(records, () => 0.5).map((r) => r.name)).toEqual(['heavy', 'light', 'backup']);
    // 0.05 of 100 = 5 falls in light's share (0 < 5 ≤ 10).
    expect(orderSrv(records, () => 0.05).map((r) => r.name)).toEqual(['light', 'heavy', 'backup']);
  });
});
