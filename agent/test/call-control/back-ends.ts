/**
 * TEST-ONLY: the two telephony back-ends as the shared call-control suite starts them — the whole agent
 * (startAgent) with SWITCHBOARD_TELEPHONY=embedded, or =drachtio with the real drachtio-srf and
 * drachtio-fsmrf in front of the fake drachtio-server and fake FreeSWITCH (test/e2e-drachtio). Callers
 * reach either at a SIP address on loopback; the suite does not know which it talks to.
 */
import { startE2e, type E2e, type E2eOptions } from '../../src/testing/e2e-harness.js';
import { startDrachtioStack } from '../e2e-drachtio/drachtio-stack.js';
import type { Target } from './test-phone.js';

export interface RunningBackEnd {
  e2e: E2e;
  /** Where callers send SIP (UDP). */
  sip: Target;
  stop(): Promise<void>;
}

export interface BackEnd {
  name: string;
  /** Loopback port of the Kamailio standing in for the PBX we register with (one per back-end). */
  pbxPort: number;
  /** Loopback addresses this back-end's callers use (distinct per back-end: the files run side by side). */
  addressBase: string;
  start(o: E2eOptions): Promise<RunningBackEnd>;
}

/** The embedded gateway in the agent's process, forking in-process (the default). */
export const EMBEDDED: BackEnd = {
  name: 'embedded',
  pbxPort: 16620,
  addressBase: '127.0.1',
  async start(o) {
    const e2e = await startE2e({ ...o, sip: { port: 16600, rtpPorts: '16700-16799' } });
    return { e2e, sip: { address: '127.0.0.1', port: 16600 }, stop: () => e2e.stop() };
  },
};

/** The embedded gateway handing calls to the agent over the fork WebSocket (a gateway run apart). */
export const EMBEDDED_OVER_WEBSOCKET: BackEnd = {
  name: 'embedded (fork over WebSocket)',
  pbxPort: 16622,
  addressBase: '127.0.3',
  async start(o) {
    const e2e = await startE2e({
      ...o,
      sip: { port: 16601, rtpPorts: '16800-16899' },
      env: { ...o.env, SWITCHBOARD_EMBEDDED_FORK: 'websocket' },
    });
    return { e2e, sip: { address: '127.0.0.1', port: 16601 }, stop: () => e2e.stop() };
  },
};

export const DRACHTIO: BackEnd = {
  name: 'drachtio',
  pbxPort: 16621,
  addressBase: '127.0.2',
  async start(o) {
    const stack = await startDrachtioStack(o);
    const [address, port] = stack.sipTarget.split(':');
    return { e2e: stack.e2e, sip: { address: address!, port: Number(port) }, stop: () => stack.stop() };
  },
};
