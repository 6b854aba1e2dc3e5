/**
 * TEST-ONLY: one call through the REAL drachtio-fsmrf against the fake FreeSWITCH: Mrf.connect
 * (inbound ESL), MediaServer.createEndpoint (INVITE via the test UAC standing in for drachtio,
 * outbound ESL back to fsmrf's own esl.Server), giving a real fsmrf Endpoint; a caller RTP leg; a
 * fork WebSocket server. close() undoes it all.
 */
import Mrf from 'drachtio-fsmrf';
import type { G711 } from '../../../../embedded/media-types.js';
import { startFakeFreeswitch, type FakeFreeswitchHandle, type FakeFreeswitchOptions } from '../index.js';
import { startForkServer, type ForkServer } from './fork-server.js';
import { RtpCaller } from './rtp-caller.js';
import { TestSipUac } from './sip-uac.js';

export interface MrfCall {
  fs: FakeFreeswitchHandle;
  uac: TestSipUac;
  ms: Mrf.MediaServer;
  ep: Mrf.Endpoint & { sip: { callId: string }; dtmfType: string };
  caller: RtpCaller;
  fork: ForkServer;
  close(): Promise<void>;
}

export async function connectMrf(fs: FakeFreeswitchHandle, uac: TestSipUac): Promise<Mrf.MediaServer> {
  const mrf = new Mrf(uac.srf() as never);
  return mrf.connect({
    address: fs.address,
    port: fs.eslPort,
    secret: fs.secret,
    listenAddress: '127.0.0.1',
  });
}

export async function mrfCall(
  o: {
    fs?: FakeFreeswitchOptions;
    offer?: Array<G711 | 'G722'>;
    forkServer?: { selectProtocol?: boolean };
  } = {},
): Promise<MrfCall> {
  const fs = await startFakeFreeswitch({ heartbeatIntervalMs: 0, ...o.fs });
  const uac = await TestSipUac.start();
  const caller = await RtpCaller.open();
  const fork = await startForkServer(o.forkServer);
  const ms = await connectMrf(fs, uac);
  const close = async () => {
    caller.stop();
    ms.disconnect();
    await fork.close();
    await fs.stop();
    await uac.stop();
  };
  try {
    const ep = (await createEndpoint(ms, { remoteSdp: caller.offer(o.offer) })) as MrfCall['ep'];
    caller.answered(ep.local.sdp!);
    return { fs, uac, ms, ep, caller, fork, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** MediaServer.createEndpoint (fsmrf 4.1.2 lib/mediaserver.js; the production .d.ts leaves it out). */
export function createEndpoint(ms: Mrf.MediaServer, opts: { remoteSdp?: string }): Promise<Mrf.Endpoint> {
  return (ms as unknown as { createEndpoint(o: unknown): Promise<Mrf.Endpoint> }).createEndpoint(opts);
}

export function waitUntil(predicate: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}
