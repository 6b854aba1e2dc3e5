/**
 * Where an in-dialog request over UDP goes (RFC 3261 §12.2.1.1 names the remote target or the first
 * route; behind NAT that address is the phone's inside one). A peer behind NAT sends from its NAT's
 * public address and port, and only there does the NAT let our request back in, so we answer where the
 * dialog came from — the flow — whenever the target is the same host on another port (a NAT's port
 * mapping), an address nobody outside that network can reach (RFC 1918, CGNAT, link-local, loopback,
 * unique-local) seen from another address, or a name we do not resolve. A public target on another
 * host is a proxy that left the path (no Record-Route) or a UA elsewhere: we go there.
 */
import { BlockList, isIP } from 'node:net';
import type { SipPeer } from './transport.js';

const INSIDE = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['127.0.0.0', 8],
] as const)
  INSIDE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['fc00::', 7],
  ['fe80::', 10],
  ['::1', 128],
] as const)
  INSIDE.addSubnet(net, prefix, 'ipv6');

export function isInsideAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && INSIDE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The next hop for an in-dialog request over UDP: `target` (host, port) or the dialog's flow. */
export function udpNextHop(flow: SipPeer, target: { host: string; port: number } | undefined): SipPeer {
  if (!target || isIP(target.host) === 0) return flow; // names are not resolved
  if (target.host === flow.address) return flow; // same host: its NAT may have mapped the port
  const natted =
    isInsideAddress(target.host) && !(isInsideAddress(flow.address) && sameLan(target.host, flow.address));
  return natted ? flow : { transport: 'udp', address: target.host, port: target.port };
}

/**
 * The next hop for an in-dialog request over TCP/TLS: the dialog's connection while it lives (the
 * flow's connectionId); should it close, a new connection goes to the target's address and listening
 * port (RFC 3261 §18.1.1, §12.2.1.1), never back to the flow's ephemeral source port. A target the
 * NAT rule above would not use (an inside address seen from elsewhere, a name) leaves only the flow.
 */
export function streamNextHop(flow: SipPeer, target: { host: string; port: number } | undefined): SipPeer {
  if (!target) return flow;
  if (target.host === flow.address) return { ...flow, port: target.port };
  const hop = udpNextHop(flow, target);
  return hop === flow ? flow : { ...flow, address: hop.address, port: hop.port };
}

/** Two inside addresses in the same /24 (IPv4) or /64 (IPv6): one LAN, no NAT between them. */
function sameLan(a: string, b: string): boolean {
  if (isIP(a) !== isIP(b)) return false;
  if (isIP(a) === 4) return a.split('.').slice(0, 3).join('.') === b.split('.').slice(0, 3).join('.');
  return a.split(':').slice(0, 4).join(':') === b.split(':').slice(0, 4).join(':');
}
