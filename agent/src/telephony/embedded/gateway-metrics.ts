/**
 * Prometheus metrics of the embedded gateway's defences: what was refused or cut off and why, RTP
 * datagrams dropped before they reached anything, and what the caps hold right now (read when
 * scraped). Reasons are a closed set of short words, so label values stay bounded.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayLoad } from './gateway.js';

const LOAD_GAUGES: Array<{ name: string; help: string; read: (l: GatewayLoad) => number }> = [
  {
    name: 'switchboard_sip_transactions',
    help: 'SIP server transactions alive',
    read: (l) => l.transactions,
  },
  {
    name: 'switchboard_sip_dialogs',
    help: 'Calls held by the SIP gateway (agent calls and softphone-to-softphone calls)',
    read: (l) => l.calls,
  },
  {
    name: 'switchboard_sip_connections',
    help: 'Open SIP TCP and WebSocket connections',
    read: (l) => l.connections,
  },
  {
    name: 'switchboard_sip_queued_bytes',
    help: 'Bytes waiting to be written to SIP TCP and WebSocket peers',
    read: (l) => l.queuedBytes,
  },
  {
    name: 'switchboard_sip_auth_locked',
    help: 'Source addresses and users locked out after failed authentication',
    read: (l) => l.lockedOut,
  },
];

export class GatewayMetrics {
  private readonly refusedTotal: Counter<'reason'>;
  private readonly rtpDroppedTotal: Counter<'reason'>;
  private load: (() => GatewayLoad) | undefined;
  private ports: (() => number) | undefined;

  constructor(registry: Registry) {
    this.refusedTotal = new Counter({
      name: 'switchboard_sip_refused_total',
      help: 'SIP requests and connections refused or closed by a defence (rate limit, caps, origin, lock-out), by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.rtpDroppedTotal = new Counter({
      name: 'switchboard_rtp_dropped_total',
      help: "RTP datagrams dropped before use (malformed, payload-type, empty, oversized; source: not the call's media source)",
      labelNames: ['reason'],
      registers: [registry],
    });
    for (const g of LOAD_GAUGES) {
      const gauge: Gauge = new Gauge({
        name: g.name,
        help: g.help,
        registers: [registry],
        collect: () => {
          const load = this.load?.();
          if (load) gauge.set(g.read(load));
        },
      });
    }
    const ports: Gauge = new Gauge({
      name: 'switchboard_rtp_ports_in_use',
      help: 'RTP ports held by plain-RTP calls',
      registers: [registry],
      collect: () => ports.set(this.ports?.() ?? 0),
    });
  }

  /** Read the gateway's load and the RTP port allocator when scraped. */
  watch(load: () => GatewayLoad, portsInUse: () => number): void {
    this.load = load;
    this.ports = portsInUse;
  }

  refused(reason: string): void {
    this.refusedTotal.inc({ reason });
  }

  rtpDropped(reason: string): void {
    this.rtpDroppedTotal.inc({ reason });
  }
}
