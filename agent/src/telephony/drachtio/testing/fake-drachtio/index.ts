/**
 * TEST-ONLY: a fake drachtio-server that the unmodified drachtio-srf connects to. It speaks
 * drachtio's admin wire protocol (wire.ts, admin.ts) to apps and real SIP over UDP and TCP to real
 * peers (sipp, Kamailio, FreeSWITCH or its fake), standing on the embedded gateway's SIP stack for
 * parsing, transactions and dialogs. What it does not do (it says so instead of pretending): TLS/WSS,
 * DNS names (IP literals and localhost only), the outbound-connection (HTTP routing) mode, `proxy`
 * requests, CDRs, session timers and 100rel.
 *
 *   const fake = await startFakeDrachtio({ secret: 'cymru' });
 *   srf.connect({ host: '127.0.0.1', port: fake.adminPort, secret: 'cymru' });
 *   // SIP peers send to 127.0.0.1:fake.sipPort (UDP or TCP)
 */
import { systemClock } from '../../../../time/clock.js';
import { createLogger, type Logger } from '../../../../log.js';
import { SipEndpoint } from '../../../embedded/sip/endpoint.js';
import { DEFAULT_TIMERS } from '../../../embedded/sip/timers.js';
import { SipTransport } from '../../../embedded/sip/transport.js';
import { AdminServer, type AdminClient } from './admin.js';
import { AppSide } from './app-side.js';
import { SipContext } from './context.js';
import { NetworkSide } from './network-side.js';
import { parseAppSip, respell } from './sip-text.js';
import { apiFailure, type ClientMessage } from './wire.js';

export interface FakeDrachtioOptions {
  secret: string;
  host?: string;
  /** Admin (app) port; 0 picks one. */
  adminPort?: number;
  /** SIP port for UDP and TCP; 0 picks one. */
  sipPort?: number;
  version?: string;
  log?: Logger;
}

export interface FakeDrachtio {
  readonly host: string;
  readonly adminPort: number;
  readonly sipPort: number;
  /** Apps connected right now (authenticated or not). */
  readonly clientCount: number;
  readonly dialogCount: number;
  /** Every admin-socket message both ways. */
  readonly wireLog: AdminServer['log'];
  /** Close every app connection, as a drachtio-server restart does; they may reconnect at once. */
  dropClients(): void;
  /** The secret apps must present from now on (drachtio restarted with another configuration). */
  setSecret(secret: string): void;
  /** `authenticate` messages received so far (to count an app's attempts). */
  readonly authAttempts: number;
  stop(): Promise<void>;
}

/** Puts extension headers on the wire as the app spelt them, as sofia-sip does. */
class StackTransport extends SipTransport {
  override send(data: Buffer, dest: Parameters<SipTransport['send']>[1]): void {
    super.send(respell(data), dest);
  }
}

export async function startFakeDrachtio(o: FakeDrachtioOptions): Promise<FakeDrachtio> {
  const host = o.host ?? '127.0.0.1';
  const log = o.log ?? createLogger('silent');
  const transport = new StackTransport({
    host,
    port: o.sipPort ?? 0,
    transports: ['udp', 'tcp'],
    maxMessageBytes: 65_535,
    log,
  });
  await transport.start();
  const ports = { udp: transport.localPort('udp'), tcp: transport.localPort('tcp') };
  const endpoint = new SipEndpoint({
    transport,
    clock: systemClock,
    timers: DEFAULT_TIMERS,
    maxMessageBytes: 65_535,
    advertisedHost: host,
    log,
  });
  const ctx = new SipContext(endpoint, host, ports, log);
  // Requests from the network go to an app routed for the method (admin is created below).
  const network = new NetworkSide(ctx, (method) => admin.clientFor(method));
  const app = new AppSide(ctx);
  const onSip = (client: AdminClient, msg: ClientMessage): void => {
    const sip = parseAppSip(msg.sip);
    if (!sip) return client.send(apiFailure(msg.msgId, 'invalid sip message'));
    if (sip.kind === 'response') {
      const txnId = msg.args[0] ?? '';
      if (!txnId) return client.send(apiFailure(msg.msgId, 'transaction id missing'));
      return network.appResponse(client, msg.msgId, txnId, sip);
    }
    app.appRequest(client, msg.msgId, msg.args, sip);
  };
  const adminOptions = {
    host,
    port: o.adminPort ?? 0,
    secret: o.secret,
    version: o.version ?? 'v0.9.10',
    hostports: () => ctx.hostports(),
    onSip,
    onClientGone: () => undefined,
  };
  const admin = new AdminServer(adminOptions);
  endpoint.onRequest = (incoming) => network.onRequest(incoming);
  const adminPort = await admin.start();
  return {
    host,
    adminPort,
    sipPort: ports.udp,
    get clientCount() {
      return admin.clients.size;
    },
    get dialogCount() {
      return ctx.dialogCount;
    },
    wireLog: admin.log,
    dropClients: () => admin.dropClients(),
    setSecret: (secret) => {
      adminOptions.secret = secret;
    },
    get authAttempts() {
      return admin.log.filter((m) => m.dir === 'in' && m.text.includes('|authenticate|')).length;
    },
    async stop() {
      await admin.stop();
      endpoint.clear();
      await transport.stop();
    },
  };
}
