/**
 * Entry point of the production telephony path: drachtio-server (SIP) + FreeSWITCH (media) in front of
 * the agent's fork server. main.ts calls startDrachtioTelephony when SWITCHBOARD_TELEPHONY=drachtio.
 */
import { systemClock, type Clock } from '../../audio/clock.js';
import type { Config } from '../../config/load.js';
import type { Logger } from '../../log.js';
import { trustsLoopback } from '../../config/sip-trust.js';
import { Router } from '../../routing/router.js';
import type { EndReason } from './agent-call.js';
import { Md5DigestAuthenticator, type DigestAuthenticator } from './digest-auth.js';
import { DrachtioConnection, type DrachtioState } from './drachtio-connection.js';
import { checkForkUrl } from './fork-commands.js';
import { InviteHandler } from './invite-handler.js';
import { MediaServerPool, type MediaServerStatus } from './media-pool.js';
import { PbxRegistration, type RegistrationStatus } from './pbx-registration.js';
import { Registrar } from './registrar.js';
import { DrachtioConfigError, parseMediaServers } from './sip-utils.js';
import { callIdOf, type MrfLike, type SrfLike } from './types.js';

export interface DrachtioTelephonyOptions {
  config: Config;
  log: Logger;
  clock?: Clock;
  /** Injected for tests; by default the real drachtio-srf / drachtio-fsmrf are created. */
  srf?: SrfLike;
  mrf?: MrfLike;
  digest?: DigestAuthenticator;
  /** The agent's own fork endpoint (main.ts knows the bound port); SWITCHBOARD_FORK_URL overrides it. */
  forkUrl?: string;
  /** The agent's router (one per process); built from the config when absent. */
  router?: Router;
  /** Called when a forked call has been torn down. */
  onCallEnded?: (callId: string, reason: EndReason) => void;
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

export function defaultForkUrl(config: Config): string {
  return config.env.SWITCHBOARD_FORK_URL ?? `ws://127.0.0.1:${config.env.SWITCHBOARD_HTTP_PORT}/fork`;
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
  const forkUrl = checkForkUrl(config.env.SWITCHBOARD_FORK_URL ?? o.forkUrl ?? defaultForkUrl(config));

  const esl = eslListener(env);

  let srf = o.srf;
  let mrf = o.mrf;
  if (!srf || !mrf) {
    const real = await import('./real-adapters.js');
    const s = real.createRealSrf();
    srf = srf ?? s;
    mrf = mrf ?? real.createRealMrf(s.raw, esl);
  }
  const router = o.router ?? new Router(config.profiles, { trustLoopback: trustsLoopback(env) });
  const digest =
    o.digest ?? new Md5DigestAuthenticator(env.SWITCHBOARD_SIP_EXTERNAL_HOST ?? 'switchboard', clock);
  const registrar = new Registrar({
    users: config.profiles.users,
    digest,
    clock,
    log: log.child({ part: 'registrar' }),
  });
  const pool = new MediaServerPool(mrf, specs, clock, log.child({ part: 'media' }));
  const connection = new DrachtioConnection(
    srf,
    { host: env.DRACHTIO_HOST, port: env.DRACHTIO_PORT, secret: env.DRACHTIO_SECRET },
    log,
    clock,
  );
  const invites = new InviteHandler({
    router,
    srf,
    pool,
    digest,
    lookupSoftphone: (u) => registrar.lookup(u),
    registrations: config.profiles.registrations,
    forkUrl,
    forkCredentials: { username: config.fork.username, password: config.fork.password },
    clock,
    log,
    ...(o.onCallEnded ? { onCallEnded: o.onCallEnded } : {}),
  });
  const contactHost = (): string | undefined => env.SWITCHBOARD_SIP_EXTERNAL_HOST ?? connection.sipAddress;
  const registrations = config.profiles.registrations.map(
    (r) => new PbxRegistration(srf, r, contactHost, clock, log.child({ part: 'pbx-registration' })),
  );

  srf.invite((req, res) => {
    invites
      .handle(req, res)
      .catch((err: Error) =>
        log.error({ err: err.message, callId: callIdOf(req) }, 'INVITE handling failed'),
      );
  });
  srf.register((req, res) => registrar.handleRegister(req, res));
  connection.onChange((connected) => {
    if (connected) for (const r of registrations) r.start();
  });
  pool.start();
  connection.start();

  let stopped: Promise<void> | undefined;
  return {
    readiness: () => ({
      ready: connection.state === 'connected' && pool.upCount > 0,
      drachtio: connection.state,
      mediaServers: pool.status(),
      registrations: registrations.map((r) => r.status()),
      softphones: registrar.count,
      activeCalls: invites.activeCalls,
    }),
    stop: () =>
      (stopped ??= (async () => {
        for (const r of registrations) r.stop();
        await invites.stop();
        pool.stop();
        connection.stop();
      })()),
  };
}
