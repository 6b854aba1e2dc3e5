/**
 * Outbound calls from the embedded gateway to real sipp callees (loopback SIP ports 15300–15309,
 * sipp RTP 21300–21310): answered then the callee hangs up, busy (486), no answer (ring timeout →
 * our CANCEL → 487), a 407 SHA-256/MD5 challenge answered with digest, and a call placed as a PBX
 * registration's extension. Each call's record says
 * direction, outcome and who hung up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../time/clock.js';
import { createLogger } from '../../log.js';
import { registrationSchema, trunkSchema } from '../../config/profile-schema.js';
import { computeDigestResponse, parseCredentials } from '../../routing/digest.js';
import { CallStore } from '../../store/call-store.js';
import { OutboundCalls } from '../calls/outbound/outbound-calls.js';
import { outboundRoutes } from '../calls/outbound/outbound-policy.js';
import { startGateway, testProfiles, type Harness } from './testing/gateway-harness.js';
import { runSipp, waitFor, type SippRun } from './testing/sipp-runner.js';

const GATEWAY_PORT = 15300;
const CALLEE = { answer: 15301, busy: 15302, ring: 15303, auth: 15304, pbx: 15305 } as const;

const trunk = (name: string, port: number, extra: Record<string, unknown> = {}) =>
  trunkSchema.parse({
    name,
    outbound: { uri: `sip:127.0.0.1:${port}`, allow: ['+1555'], from: '+15550001111', ...extra },
  });

const profiles = testProfiles({
  trunks: [
    trunk('answer', CALLEE.answer),
    trunk('busy', CALLEE.busy),
    trunk('ring', CALLEE.ring),
    trunk('auth', CALLEE.auth, { username: 'trunkuser', password: 'trunk-secret-pw', callsPerSecond: 10 }),
  ],
  // Calls out as extension 7001 of a PBX (the harness does not REGISTER; only the outbound path is used).
  registrations: [
    registrationSchema.parse({
      registrar: `sip:127.0.0.1:${CALLEE.pbx}`,
      user: '7001',
      password: 'pbx-ext-secret',
      outbound: { allow: ['+1555'] },
    }),
  ],
});

let gw: Harness;
let store: CallStore;
let calls: OutboundCalls;

beforeAll(async () => {
  gw = await startGateway({ port: GATEWAY_PORT, profiles });
  store = CallStore.open(':memory:');
  calls = new OutboundCalls({
    routes: outboundRoutes(profiles),
    profile: (n) => profiles.profiles.find((p) => p.name === n),
    dialer: gw.gateway.dialer(),
    records: store,
    clock: systemClock,
    log: createLogger(process.env.SIP_TEST_LOG ?? 'silent'),
    source: 'embedded',
  });
});
afterAll(async () => {
  await gw.gateway.stop();
  store.close();
});

/** Start a sipp callee and wait until it listens (its first trace line, or a short bounded wait). */
async function callee(
  scenario: string,
  port: number,
  keys?: Record<string, string>,
): Promise<{ done: Promise<SippRun> }> {
  const run = runSipp({
    scenario,
    target: `127.0.0.1:${GATEWAY_PORT}`,
    transport: 'udp',
    localPort: port,
    mediaPort: 21300 + (port - 15300) * 2,
    ...(keys ? { keys } : {}),
    timeoutMs: 15_000,
  });
  await new Promise((r) => setTimeout(r, 300));
  return { done: run };
}

const place = (trunkName: string, maxRingSeconds = 30) =>
  calls.place({
    to: '+15551234567',
    profile: 'receptionist',
    trunk: trunkName,
    variables: { name: 'Ada' },
    maxRingSeconds,
  }).callId;

const ended = (callId: string) => waitFor(() => store.getCall(callId)?.endedAt != null, 10_000);

describe('outbound calls through the embedded gateway (sipp callees)', () => {
  it('answered: SDP offer out, 200 ACKed, the conversation starts outbound with the variables; the callee hangs up', async () => {
    const uas = await callee('uas-outbound-answer.xml', CALLEE.answer);
    const callId = place('answer');
    expect(store.getCall(callId)).toMatchObject({
      direction: 'outbound',
      route: 'trunk:answer',
      outcome: null,
    });
    const run = await uas.done;
    expect(run.code, run.output + run.errors).toBe(0);
    await ended(callId);
    const media = gw.byCallId(callId)!;
    expect(media.ourOffers[0]).toMatch(/m=audio \d+ RTP\/AVP 0 8/);
    expect(media.theirAnswers.length).toBeGreaterThan(0);
    expect(media.started).toMatchObject({
      profile: 'receptionist',
      to: '+15551234567',
      extra: { direction: 'outbound', variables: { name: 'Ada' } },
    });
    expect(run.messages).toMatch(/INVITE sip:\+15551234567@127\.0\.0\.1:15301 SIP\/2\.0/);
    expect(run.messages).toMatch(/From: <sip:\+15550001111@127\.0\.0\.1>;tag=/);
    expect(run.messages).toMatch(/^ACK sip:callee@127\.0\.0\.1:15301/m);
    expect(store.getCall(callId)).toMatchObject({
      outcome: 'answered',
      endReason: 'caller_hangup',
      hangupBy: 'callee',
    });
    expect(calls.state(callId)).toEqual({ state: 'ended', outcome: 'answered' });
  });

  it('busy: 486 is ACKed and recorded as busy', async () => {
    const uas = await callee('uas-busy-486.xml', CALLEE.busy);
    const callId = place('busy');
    const run = await uas.done;
    expect(run.code, run.output + run.errors).toBe(0);
    await ended(callId);
    expect(store.getCall(callId)).toMatchObject({
      direction: 'outbound',
      outcome: 'busy',
      endReason: 'busy',
      hangupBy: 'callee',
    });
    expect(gw.byCallId(callId)?.stopped).toBeDefined();
  });

  it('no answer: at the ring timeout we CANCEL, the 487 is ACKed, the outcome is no_answer', async () => {
    const uas = await callee('uas-ring-cancel.xml', CALLEE.ring);
    const callId = place('ring', 1);
    const run = await uas.done;
    expect(run.code, run.output + run.errors).toBe(0);
    await ended(callId);
    expect(run.messages).toMatch(/^CANCEL sip:\+15551234567@127\.0\.0\.1:15303 SIP\/2\.0/m);
    expect(store.getCall(callId)).toMatchObject({
      outcome: 'no_answer',
      endReason: 'no_answer',
      hangupBy: 'system',
    });
  });

  it('DELETE while ringing: CANCEL, outcome cancelled, hung up by the API', async () => {
    const uas = await callee('uas-ring-cancel.xml', CALLEE.ring);
    const callId = place('ring');
    await waitFor(
      () => gw.byCallId(callId) !== undefined && (gw.byCallId(callId)?.ourOffers.length ?? 0) > 0,
    );
    await new Promise((r) => setTimeout(r, 200)); // let the 180 arrive: CANCEL goes after a provisional
    expect(calls.cancel(callId)).toBe('cancelling');
    const run = await uas.done;
    expect(run.code, run.output + run.errors).toBe(0);
    await ended(callId);
    expect(store.getCall(callId)).toMatchObject({
      outcome: 'cancelled',
      endReason: 'cancelled',
      hangupBy: 'api',
    });
    expect(calls.cancel(callId)).toBe('not_ringing');
  });

  it.each(['SHA-256', 'MD5'])(
    '407 %s challenge: the INVITE is sent again with a correct Proxy-Authorization, then answered',
    async (algo) => {
      const uas = await callee('uas-proxy-auth-407.xml', CALLEE.auth, { algo });
      const callId = place('auth');
      const run = await uas.done;
      expect(run.code, run.output + run.errors).toBe(0);
      await ended(callId);
      const header = /^Proxy-Authorization: (.*)$/m.exec(run.messages)?.[1];
      const creds = parseCredentials(header ?? '')!;
      expect(creds).toMatchObject({
        username: 'trunkuser',
        realm: 'carrier.test',
        algorithm: algo,
        qop: 'auth',
      });
      expect(creds.response).toBe(
        computeDigestResponse({
          ...creds,
          password: 'trunk-secret-pw',
          method: 'INVITE',
          nc: creds.nc!,
          cnonce: creds.cnonce!,
        }),
      );
      expect(run.messages).not.toMatch(/trunk-secret-pw/);
      expect(store.getCall(callId)).toMatchObject({ outcome: 'answered', hangupBy: 'callee' });
    },
  );

  it('through a PBX registration: INVITE to the registrar as the extension, its credentials on the 407', async () => {
    const uas = await callee('uas-proxy-auth-407.xml', CALLEE.pbx, { algo: 'MD5' });
    const callId = calls.place({
      to: '+15551234567',
      profile: 'receptionist',
      registration: '7001',
      variables: {},
      maxRingSeconds: 30,
    }).callId;
    const run = await uas.done;
    expect(run.code, run.output + run.errors).toBe(0);
    await ended(callId);
    expect(run.messages).toMatch(/INVITE sip:\+15551234567@127\.0\.0\.1:15305 SIP\/2\.0/);
    expect(run.messages).toMatch(/From: <sip:7001@127\.0\.0\.1>;tag=/);
    const creds = parseCredentials(/^Proxy-Authorization: (.*)$/m.exec(run.messages)?.[1] ?? '')!;
    expect(creds.username).toBe('7001');
    expect(creds.response).toBe(
      computeDigestResponse({
        ...creds,
        password: 'pbx-ext-secret',
        method: 'INVITE',
        nc: creds.nc!,
        cnonce: creds.cnonce!,
      }),
    );
    expect(store.getCall(callId)).toMatchObject({
      route: 'registration:7001',
      outcome: 'answered',
      hangupBy: 'callee',
    });
  });
});
