/** Starts the configured telephony back-end; each one opens forks to the agent's fork server. */
import type { Clock } from '../audio/clock.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import type { Router } from '../routing/router.js';
import { startDrachtioTelephony } from './drachtio/start.js';
import { SipGateway } from './embedded/gateway.js';
import { createCallMedia } from './embedded/media/call-media.js';
import { createPortAllocator } from './embedded/media/port-allocator.js';

export interface Telephony {
  /** Where the embedded gateway listens (undefined for drachtio, which owns SIP). */
  sip: { host: string; port: number } | undefined;
  readiness(): { ok: boolean; detail: string };
  stop(): Promise<void>;
}

export interface TelephonyOptions {
  config: Config;
  router: Router;
  /** The agent's own fork endpoint, e.g. ws://127.0.0.1:8080/fork. */
  forkUrl: string;
  clock: Clock;
  log: Logger;
}

async function startEmbedded(o: TelephonyOptions): Promise<Telephony> {
  const { env } = o.config;
  const ports = createPortAllocator(env.SWITCHBOARD_RTP_PORTS);
  const log = o.log;
  const transports = env.SWITCHBOARD_SIP_TRANSPORTS.filter(
    (t): t is 'udp' | 'tcp' => t === 'udp' || t === 'tcp',
  );
  const gateway = new SipGateway({
    host: env.SWITCHBOARD_SIP_HOST,
    port: env.SWITCHBOARD_SIP_PORT,
    transports,
    ...(env.SWITCHBOARD_SIP_EXTERNAL_HOST ? { externalHost: env.SWITCHBOARD_SIP_EXTERNAL_HOST } : {}),
    router: o.router,
    registrations: o.config.profiles.registrations,
    clock: o.clock,
    log,
    rateLimit: { perSecond: 20, burst: 40, action: 'reject' },
    createMedia: (callId, events) =>
      createCallMedia({
        callId,
        localAddress: env.SWITCHBOARD_SIP_HOST,
        ...(env.SWITCHBOARD_SIP_EXTERNAL_HOST ? { externalAddress: env.SWITCHBOARD_SIP_EXTERNAL_HOST } : {}),
        ports,
        fork: { url: o.forkUrl, username: o.config.fork.username, password: o.config.fork.password },
        events,
        log,
        clock: o.clock,
      }),
  });
  await gateway.start();
  return {
    sip: {
      host: env.SWITCHBOARD_SIP_HOST,
      port: gateway.localPort(transports.includes('udp') ? 'udp' : 'tcp'),
    },
    readiness: () => {
      const regs = gateway.registrationStates();
      const down = regs.filter((r) => r.state !== 'registered');
      return {
        ok: down.length === 0,
        detail: regs.length
          ? regs.map((r) => `${r.user}@${r.registrar}: ${r.state}`).join('; ')
          : `listening, ${gateway.activeCalls} calls`,
      };
    },
    stop: () => gateway.stop(),
  };
}

async function startDrachtio(o: TelephonyOptions): Promise<Telephony> {
  const t = await startDrachtioTelephony({
    config: o.config,
    log: o.log.child({ component: 'drachtio' }),
    clock: o.clock,
  });
  return {
    sip: undefined,
    readiness: () => {
      const r = t.readiness();
      return {
        ok: r.ready,
        detail: `drachtio ${r.drachtio}, media servers up: ${r.mediaServers.filter((m) => m.state === 'up').length}`,
      };
    },
    stop: () => t.stop(),
  };
}

export async function startTelephony(o: TelephonyOptions): Promise<Telephony | undefined> {
  switch (o.config.env.SWITCHBOARD_TELEPHONY) {
    case 'embedded':
      return startEmbedded(o);
    case 'drachtio':
      return startDrachtio(o);
    case 'none':
      return undefined;
  }
}
