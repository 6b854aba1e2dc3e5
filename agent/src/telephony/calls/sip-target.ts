/**
 * Locating a SIP server (RFC 3263): from a URI such as a registrar or a trunk, the transport and the
 * ordered addresses to send to. An IP literal or an explicit port is used as given (A/AAAA for a name);
 * otherwise NAPTR picks the transport when neither the URI (sips:, ;transport=) nor the configuration
 * names one, SRV (_sip._udp, _sip._tcp, _sips._tcp) gives targets by priority and weight (RFC 2782),
 * and a plain A look-up on the default port is the fallback. DNS goes through an injectable SipDns.
 */
import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import type { NaptrRecord, SrvRecord } from 'node:dns';
import { isIP } from 'node:net';

export type TargetTransport = 'udp' | 'tcp' | 'tls';

/** What a URI says about where it goes, before any DNS. */
export interface SipUriTarget {
  /** Host without brackets. */
  host: string;
  port?: number;
  /** Named by the URI (sips: means tls; ;transport= wins); absent when it names none. */
  transport?: TargetTransport;
}

/** One place to send to. */
export interface SipHop {
  transport: TargetTransport;
  address: string;
  port: number;
  /** TLS: the SIP domain the server's certificate must carry (RFC 5922), when `address` came from DNS. */
  servername?: string;
}

/** The DNS queries RFC 3263 makes; node:dns/promises' Resolver (with an address look-up) fits. */
export interface SipDns {
  resolveNaptr(name: string): Promise<NaptrRecord[]>;
  resolveSrv(name: string): Promise<SrvRecord[]>;
  /** A/AAAA: the addresses of a name. */
  addresses(name: string): Promise<string[]>;
}

/** The system's DNS: NAPTR and SRV from the configured servers, addresses as getaddrinfo sees them (hosts file too). */
export function systemSipDns(): SipDns {
  const r = new Resolver();
  return {
    resolveNaptr: (n) => r.resolveNaptr(n),
    resolveSrv: (n) => r.resolveSrv(n),
    addresses: async (n) => (await lookup(n, { all: true })).map((a) => a.address),
  };
}

/** A SIP DNS reading every record, addresses included, from the given servers (`host:port`). */
export function sipDnsVia(servers: string[]): SipDns {
  const r = new Resolver({ timeout: 1000, tries: 2 });
  r.setServers(servers);
  return {
    resolveNaptr: (n) => r.resolveNaptr(n),
    resolveSrv: (n) => r.resolveSrv(n),
    addresses: async (n) => {
      const v4 = await r.resolve4(n).catch(() => [] as string[]);
      return v4.length > 0 ? v4 : r.resolve6(n);
    },
  };
}

const DEFAULT_PORT: Record<TargetTransport, number> = { udp: 5060, tcp: 5060, tls: 5061 };
const SRV_PREFIX: Record<TargetTransport, string> = { udp: '_sip._udp', tcp: '_sip._tcp', tls: '_sips._tcp' };
const NAPTR_SERVICE: Record<string, TargetTransport> = {
  'SIP+D2U': 'udp',
  'SIP+D2T': 'tcp',
  'SIPS+D2T': 'tls',
};

/** Host, port and named transport of a sip:/sips: URI; undefined when it is not one. */
export function parseSipTarget(uri: string): SipUriTarget | undefined {
  const m = /^(sips?):(?:[^@;]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d{1,5}))?([^?>]*)/i.exec(uri.trim());
  if (!m) return undefined;
  const target: SipUriTarget = { host: m[2]!.replace(/^\[|\]$/g, '') };
  if (m[3]) target.port = Number(m[3]);
  const param = /;\s*transport=(udp|tcp|tls)\b/i.exec(m[4] ?? '')?.[1]?.toLowerCase() as
    TargetTransport | undefined;
  if (m[1]!.toLowerCase() === 'sips') target.transport = 'tls';
  else if (param) target.transport = param;
  return target;
}

export interface ResolveOptions {
  /** Transport to use when the URI names none (a configured default); absent: NAPTR, then SRV, decide. */
  transport?: TargetTransport;
  /** Transports we can send on, in our order of preference when DNS leaves the choice to us. */
  supported?: readonly TargetTransport[];
  random?: () => number;
}

/**
 * The hops for a URI, best first (RFC 3263 §4). Empty when nothing resolves. A DNS failure (no record,
 * server down) is the same as no record: the next step of the procedure is tried.
 */
export async function resolveSipTarget(uri: string, dns: SipDns, o: ResolveOptions = {}): Promise<SipHop[]> {
  const target = parseSipTarget(uri);
  if (!target) return [];
  const supported = o.supported ?? ['udp', 'tcp', 'tls'];
  const named = target.transport ?? o.transport;
  if (isIP(target.host) !== 0) {
    const transport = named ?? 'udp';
    return [{ transport, address: target.host, port: target.port ?? DEFAULT_PORT[transport] }];
  }
  const servername = target.host;
  const withName = (h: SipHop): SipHop => (h.transport === 'tls' ? { ...h, servername } : h);
  if (target.port !== undefined) {
    const transport = named ?? 'udp';
    return (await addressesOf(dns, target.host)).map((address) =>
      withName({ transport, address, port: target.port! }),
    );
  }
  const srvNames: Array<[TargetTransport, string]> = named
    ? [[named, `${SRV_PREFIX[named]}.${target.host}`]]
    : await naptrServices(dns, target.host, supported);
  for (const [transport, name] of srvNames) {
    const hops = await srvHops(dns, name, transport, o.random ?? Math.random);
    if (hops.length > 0) return hops.map(withName);
  }
  const transport = named ?? 'udp';
  return (await addressesOf(dns, target.host)).map((address) =>
    withName({ transport, address, port: DEFAULT_PORT[transport] }),
  );
}

/** NAPTR → the SRV names to query, with their transports (§4.1); without NAPTR, one per supported transport. */
async function naptrServices(
  dns: SipDns,
  host: string,
  supported: readonly TargetTransport[],
): Promise<Array<[TargetTransport, string]>> {
  const records = await dns.resolveNaptr(host).catch(() => [] as NaptrRecord[]);
  const usable = records
    .filter(
      (r) => r.flags.toLowerCase() === 's' && supported.includes(NAPTR_SERVICE[r.service.toUpperCase()]!),
    )
    .sort((a, b) => a.order - b.order || a.preference - b.preference);
  if (usable.length > 0) return usable.map((r) => [NAPTR_SERVICE[r.service.toUpperCase()]!, r.replacement]);
  return supported.map((t) => [t, `${SRV_PREFIX[t]}.${host}`]);
}

async function srvHops(
  dns: SipDns,
  name: string,
  transport: TargetTransport,
  random: () => number,
): Promise<SipHop[]> {
  const records = await dns.resolveSrv(name).catch(() => [] as SrvRecord[]);
  const hops: SipHop[] = [];
  for (const r of orderSrv(records, random)) {
    if (r.name === '.' || r.name === '') continue; // "service not available here"
    for (const address of await addressesOf(dns, r.name)) hops.push({ transport, address, port: r.port });
  }
  return hops;
}

/** RFC 2782 order: lowest priority first; within one priority, a weighted random draw. */
export function orderSrv(records: readonly SrvRecord[], random: () => number): SrvRecord[] {
  const out: SrvRecord[] = [];
  const priorities = [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b);
  for (const p of priorities) {
    // Zero weights first, as RFC 2782 places them, so they get a small chance when others have weight.
    const left = records.filter((r) => r.priority === p).sort((a, b) => a.weight - b.weight);
    while (left.length > 0) {
      const total = left.reduce((n, r) => n + r.weight, 0);
      const draw = random() * total;
      let sum = 0;
      let i = left.findIndex((r) => (sum += r.weight) >= draw);
      if (i < 0) i = left.length - 1;
      out.push(...left.splice(i, 1));
    }
  }
  return out;
}

async function addressesOf(dns: SipDns, name: string): Promise<string[]> {
  if (isIP(name) !== 0) return [name];
  return dns.addresses(name).catch(() => [] as string[]);
}
