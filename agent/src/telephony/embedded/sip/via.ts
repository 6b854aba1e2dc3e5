/** Via header values and where responses go (RFC 3261 §18.2.2, RFC 3581 rport). */
import { bareHost, formatParams, parseParams } from '../../calls/sip-uri.js';

export type TransportName = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** Connection-oriented transports: no retransmissions, responses and in-dialog requests reuse the connection. */
export function isReliable(t: TransportName): boolean {
  return t !== 'udp';
}

/** The port a SIP URI or Via without one means (RFC 3261 §19.1.2): 5061 over TLS, else 5060. */
export function defaultSipPort(t: TransportName): number {
  return t === 'tls' ? 5061 : 5060;
}

export interface Via {
  transport: string;
  host: string;
  port?: number;
  params: Record<string, string>;
}

export const BRANCH_MAGIC = 'z9hG4bK';

export function parseVia(text: string): Via | undefined {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+([^;\s]+)\s*(;.*)?$/i.exec(text.trim());
  if (!m) return undefined;
  const hp = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(m[2]!);
  if (!hp) return undefined;
  const via: Via = { transport: m[1]!.toUpperCase(), host: hp[1]!, params: parseParams(m[3] ?? '') };
  if (hp[2] !== undefined) via.port = Number(hp[2]);
  return via;
}

export function formatVia(via: Via): string {
  const port = via.port !== undefined ? `:${via.port}` : '';
  return `SIP/2.0/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

/**
 * Stamp received/rport on the top Via of an incoming request, as a server must (RFC 3261 §18.2.1,
 * RFC 3581 §4): received when the sent-by host differs from the packet source, rport filled in when asked.
 */
export function stampVia(via: Via, sourceAddress: string, sourcePort: number): Via {
  const params = { ...via.params };
  if (bareHost(via.host) !== sourceAddress || 'rport' in params) params.received = sourceAddress;
  if ('rport' in params) params.rport = String(sourcePort);
  return { ...via, params };
}

/** Destination for a response over an unreliable transport, from the (stamped) top Via. */
export function responseTarget(via: Via): { address: string; port: number } {
  const address = via.params.received ?? bareHost(via.host);
  const rport = via.params.rport ? Number(via.params.rport) : undefined;
  const port = rport ?? via.port ?? 5060;
  return { address, port };
}

/**
 * Where a response over TCP/TLS goes when the connection the request came on has closed (RFC 3261
 * §18.2.2): a new connection to the received address and the sent-by port (not the source's ephemeral port).
 */
export function streamResponseTarget(via: Via, transport: TransportName): { address: string; port: number } {
  return { address: via.params.received ?? bareHost(via.host), port: via.port ?? defaultSipPort(transport) };
}
