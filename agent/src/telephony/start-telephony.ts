/** Starts the configured telephony back-end; each one opens forks to the agent's fork server. */
import { startDrachtioTelephony } from './drachtio/start.js';
import { startEmbeddedTelephony } from './embedded/start.js';
import type { Telephony, TelephonyOptions } from './telephony.js';

export type { Telephony, TelephonyOptions } from './telephony.js';

async function startDrachtio(o: TelephonyOptions): Promise<Telephony> {
  const t = await startDrachtioTelephony({
    config: o.config,
    log: o.log,
    clock: o.clock,
    forkUrl: o.forkUrl,
    router: o.router,
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
  });
  return {
    sip: undefined,
    readiness: () => {
      const r = t.readiness();
      const servers = r.mediaServers
        .map((m) => `${m.address} ${m.state}${m.reason ? ` (${m.reason})` : ''}, ${m.calls} calls`)
        .join('; ');
      const regs = r.registrations.map((g) => `${g.user}@${g.registrar}: ${g.state}`).join('; ');
      return {
        ok: r.ready,
        detail:
          `drachtio ${r.drachtio}; media servers: ${servers}` +
          (regs ? `; registrations: ${regs}` : '') +
          `; softphones: ${r.softphones}; calls: ${r.activeCalls}`,
      };
    },
    stop: () => t.stop(),
  };
}

export async function startTelephony(o: TelephonyOptions): Promise<Telephony | undefined> {
  switch (o.config.env.SWITCHBOARD_TELEPHONY) {
    case 'embedded':
      return startEmbeddedTelephony(o);
    case 'drachtio':
      return startDrachtio(o);
    case 'none':
      return undefined;
  }
}
