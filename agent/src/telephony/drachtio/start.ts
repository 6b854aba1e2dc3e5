/**
 * Entry point of the production telephony path: drachtio-server (SIP) + FreeSWITCH (media) in front of
 * the agent's fork server. main.ts calls startDrachtioTelephony when SWITCHBOARD_TELEPHONY=drachtio.
 */
import { systemClock, type Clock } from '../../time/clock.js';
import type { Config } from '../../config/load.js';
import type { CallEndReason } from '../../conversation/call-record.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import type { AdmissionDeps } from '../calls/admission.js';
import { createCallAuth } from '../calls/call-auth.js';
import { callTimeouts, type CallTimeouts } from '../calls/call-timeouts.js';
import { PbxRegistrations } from '../calls/pbx-registrations.js';
import type { RegistrationStatus } from '../calls/registration-client.js';
import { Registrar } from '../calls/softphone-registrar.js';
import { DrachtioConnection, type DrachtioState } from './drachtio-connection.js';
import { checkForkUrl } from './fork-commands.js';
import { InviteHandler } from './invite-handler.js';
import { DrachtioConfigError, parseMediaServers } from './media-server-specs.js';
import { MediaServerPool, type MediaServerStatus } from './media-pool.js';
import { handleRegister } from './register-handler.js';
import { SrfRegisterTransport } from './register-transport.js';
import { callIdOf, type MrfLike, type SrfLike } from './types.js';

export interface DrachtioTelephonyOptions {
  config: Config;
  log: Logger;
  clock?: Clock;
  /** Injected for tests; by default the real drachtio-srf / drachtio-fsmrf are created. */
  srf?: SrfLike;
  mrf?: MrfLike;
  /** Where FreeSWITCH forks calls to (main.ts: SWITCHBOARD_FORK_URL, else the agent's own /fork). */
  forkUrl: string;
  /** The agent's router (one per process). */
  router: Router;
  timeouts?: Partial<CallTimeouts>;
  /** Called when a forked call has been torn down. */
  onCallEnded?: (callId: string, reason: CallEndReason) => void;
}

export interface DrachtioReadiness {
  /** drachtio connected and at least one media server up. */
  ready: boolean;
  drachtio: DrachtioState;
  mediaServers: MediaServerStatus[];
  registrations: RegistrationStatus[];
  softphones: number;
  activeCalls: number;
}

export interface DrachtioTelephony {
  readiness(): DrachtioReadiness;
  /** End calls, stop registrations and disconnect. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Where drachtio-fsmrf listens for FreeSWITCH's per-call outbound event-socket connections, and what it
 * tells FreeSWITCH (X-esl-outbound). Left to fsmrf, it binds the machine's first non-loopback address
 * and advertises it (research §9), so the default here is loopback: FreeSWITCH on the same box.
 */
export function eslListener(env: Config['env']): { listenAddress: string; advertisedAddress: string } {
  const listenAddress = env.SWITCHBOARD_ESL_LISTEN_ADDRESS;
  const wildcard = listenAddress === '0.0.0.0' || listenAddress === '::';
  if (wildcard && !env.SWITCHBOARD_ESL_ADVERTISED_ADDRESS)
    throw new DrachtioConfigError(
      `SWITCHBOARD_ESL_ADVERTISED_ADDRESS is required when SWITCHBOARD_ESL_LISTEN_ADDRESS is ${listenAddress}: ` +
        'set the address FreeSWITCH can reach this agent at',
    );
  return { listenAddress, advertisedAddress: env.SWITCHBOARD_ESL_ADVERTISED_ADDRESS ?? listenAddress };
}

export async function startDrachtioTelephony(o: DrachtioTelephonyOptions): Promise<DrachtioTelephony> {
  const { config } = o;
  const env = config.env;
  const clock = o.clock ?? systemClock;
  const log = o.log.child({ component: 'drachtio' });
  if (!env.DRACHTIO_SECRET)
    throw new DrachtioConfigError('DRACHTIO_SECRET is required for SWITCHBOARD_TELEPHONY=drachtio');
  const specs = parseMediaServers(env.FREESWITCH);
  if (specs.length === 0) throw new DrachtioConfigError('FREESWITCH must list at least one host:port:secret');
  const forkUrl = checkForkUrl(o.forkUrl);

  const esl = eslListener(env);

  let srf = o.srf;
  let mrf = o.mrf;
  if (!srf || !mrf) {
    const real = await import('./real-adapters.js');
    const s = real.createRealSrf();
    srf = srf ?? s;
    mrf = mrf ?? real.createRealMrf(s.raw, esl);
  }
  const { router } = o;
  const users = config.profiles.users;
  const auth = createCallAuth({ clock, log, router, users });
  const registrar = new Registrar({
    clock,
    log: log.child({ part: 'registrar' }),
    gate: auth.registrar,
    isUser: (u) => users.some((x) => x.username === u),
  });
  const pool = new MediaServerPool(mrf, specs, clock, log.child({ part: 'media' }));
  const connection = new DrachtioConnection(
    srf,
    { host: env.DRACHTIO_HOST, port: env.DRACHTIO_PORT, secret: env.DRACHTIO_SECRET },
    log,
    clock,
  );
  const sipAddress = (transport: 'udp' | 'tcp'): string | undefined => {
    const hostport = connection.sipAddresses[transport];
    const external = env.SWITCHBOARD_SIP_EXTERNAL_HOST;
    if (!external) return hostport;
    const port = hostport ? /:(\d+)$/.exec(hostport)?.[1] : undefined;
    return port ? `${external}:${port}` : external;
  };
  const registrations = new PbxRegistrations({
    registrations: config.profiles.registrations,
    transport: new SrfRegisterTransport(srf, sipAddress, 'Switchboard'),
    clock,
    log: log.child({ part: 'pbx-registration' }),
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
  });
  const admission = (): AdmissionDeps => ({
    router,
    gate: auth.calls,
    realm: auth.realm,
    registrations: registrations.routes,
    softphones: registrar,
  });
  const invites = new InviteHandler({
    router,
    srf,
    pool,
    admission,
    contactsFor: (u) => registrar.contactsFor(u),
    forkUrl,
    forkCredentials: { username: config.fork.username, password: config.fork.password },
    clock,
    log,
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
    ...(o.onCallEnded ? { onCallEnded: o.onCallEnded } : {}),
  });

  srf.invite((req, res) => {
    invites
      .handle(req, res)
      .catch((err: Error) =>
        log.error({ err: err.message, callId: callIdOf(req) }, 'INVITE handling failed'),
      );
  });
  srf.register((req, res) => handleRegister(registrar, req, res));
  // (Re-)register whenever drachtio is (re)connected: a restarted drachtio-server lost nothing of ours,
  // but one that was down may have let the bindings lapse.
  connection.onChange((connected) => {
    if (connected) registrations.start();
  });
  pool.start();
  connection.start();

  let stopped: Promise<void> | undefined;
  return {
    readiness: () => ({
      ready: connection.state === 'connected' && pool.upCount > 0,
      drachtio: connection.state,
      mediaServers: pool.status(),
      registrations: registrations.statuses(),
      softphones: registrar.count,
      activeCalls: invites.activeCalls,
    }),
    stop: () =>
      (stopped ??= (async () => {
        // Un-REGISTER and BYE every call, each bounded: a peer that never answers must not hold the stop.
        const bound = callTimeouts(o.timeouts).stopMs;
        let timer: ReturnType<Clock['setTimeout']> | undefined;
        const deadline = new Promise<void>((r) => (timer = clock.setTimeout(r, bound)));
        await Promise.race([Promise.all([registrations.stop(bound), invites.stop()]), deadline]);
        if (timer) clock.clearTimeout(timer);
        pool.stop();
        connection.stop();
      })()),
  };
}
