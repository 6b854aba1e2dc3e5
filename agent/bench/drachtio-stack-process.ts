/**
 * Child process: the production path's two servers as wire-faithful fakes — a fake drachtio-server
 * (admin wire protocol + SIP on UDP) and a fake FreeSWITCH (ESL, SIP, RTP and mod_audio_fork) — for
 * `npm run bench -- --telephony drachtio`. They are fakes: what they cost is not a real drachtio's or
 * FreeSWITCH's cost, but the agent in front of them runs its real drachtio-srf / drachtio-fsmrf path.
 * Prints one JSON line {ready, pid, drachtio: {host, adminPort, sipPort}, freeswitch: {address, eslPort}}.
 * Input: BENCH_DRACHTIO = JSON {secret, eslSecret, sipPort, adminPort, eslPort, rtp: {min, max}}.
 */
import { startFakeDrachtio } from '../src/telephony/drachtio/testing/fake-drachtio/index.js';
import { startFakeFreeswitch } from '../src/telephony/drachtio/testing/fake-freeswitch/index.js';

interface StackInput {
  secret: string;
  eslSecret: string;
  sipPort: number;
  adminPort: number;
  eslPort: number;
  rtp: { min: number; max: number };
}

const input = JSON.parse(process.env.BENCH_DRACHTIO ?? '{}') as StackInput;
const drachtio = await startFakeDrachtio({
  secret: input.secret,
  sipPort: input.sipPort,
  adminPort: input.adminPort,
});
const freeswitch = await startFakeFreeswitch({
  secret: input.eslSecret,
  eslPort: input.eslPort,
  rtpPorts: input.rtp,
  maxSessions: 1000,
});
console.log(
  JSON.stringify({
    ready: true,
    pid: process.pid,
    drachtio: { host: drachtio.host, adminPort: drachtio.adminPort, sipPort: drachtio.sipPort },
    freeswitch: { address: freeswitch.address, eslPort: freeswitch.eslPort },
  }),
);
const stop = (): void => void Promise.all([drachtio.stop(), freeswitch.stop()]).then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('close', stop).resume();
