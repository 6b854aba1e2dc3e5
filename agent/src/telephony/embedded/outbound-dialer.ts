/**
 * The embedded back-end's OutboundDialer: finds the next hop of a plan (the trunk's or registrar's
 * host, resolved) and runs an OutboundSession over the gateway's SIP endpoint. Plumbing only: every
 * decision about the call was made in ../calls/outbound.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DialEvents, DialPlan, OutboundDialer, OutboundLeg } from '../calls/outbound/outbound-types.js';
import { bareHost } from '../calls/sip-uri.js';
import { OutboundSession, type OutboundSessionDeps } from './outbound-session.js';
import type { SipPeer } from './sip/transport.js';

export type DialerDeps = Omit<OutboundSessionDeps, 'dest' | 'contact'> & {
  contactFor(transport: 'udp' | 'tcp' | 'tls'): string;
  resolve?: (host: string) => Promise<string>;
};

export class EmbeddedDialer implements OutboundDialer {
  constructor(private readonly d: DialerDeps) {}

  dial(plan: DialPlan, events: DialEvents): OutboundLeg {
    let session: OutboundSession | undefined;
    let cancelled = false;
    void this.nextHop(plan).then(
      (dest) => {
        if (cancelled) return events.failed(487, 'cancelled before sending');
        session = new OutboundSession(
          { ...this.d, dest, contact: this.d.contactFor(plan.route.transport) },
          plan,
          events,
        );
        session.begin();
      },
      () => events.failed(503, 'the route host does not resolve'),
    );
    return {
      cancel: () => {
        if (session) session.cancel();
        else cancelled = true;
      },
    };
  }

  private async nextHop(plan: DialPlan): Promise<SipPeer> {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(plan.route.hostPort);
    const host = bareHost(m?.[1] ?? plan.route.hostPort);
    const address =
      isIP(host) !== 0 ? host : await (this.d.resolve ?? (async (h) => (await lookup(h)).address))(host);
    return {
      transport: plan.route.transport,
      address,
      port: m?.[2] ? Number(m[2]) : plan.route.transport === 'tls' ? 5061 : 5060,
    };
  }
}
