/**
 * Interop: real sipp processes call the gateway over UDP and TCP (loopback SIP ports 15060–15079).
 * The media half is RecordingCallMedia (test-only), so these prove signalling, not RTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK_TRUNK, startGateway, testProfiles, type Harness } from './testing/gateway-harness.js';
import { runSipp, waitFor, type SippOptions } from './testing/sipp-runner.js';

const GW_PORT = 15060;
const RINGING_GW_PORT = 15063;
let h: Harness;
let ringing: Harness;

beforeAll(async () => {
  // sipp stands in for a carrier on loopback: trusted as a trunk source, not because it is loopback.
  const profiles = testProfiles({ trunks: [LOOPBACK_TRUNK] });
  h = await startGateway({ port: GW_PORT, ringMs: 0, profiles });
  ringing = await startGateway({ port: RINGING_GW_PORT, ringMs: 1500, profiles });
});
afterAll(async () => {
  await h.gateway.stop();
  await ringing.gateway.stop();
});

describe.each(['udp', 'tcp'] as const)('sipp over %s', (transport) => {
  const localPort = transport === 'udp' ? 15061 : 15062;
  const sipp = (scenario: string, o: Partial<SippOptions> = {}) =>
    runSipp({ scenario, target: `127.0.0.1:${GW_PORT}`, transport, localPort, ...o });
  const newMedia = async (before: number) => {
    await waitFor(() => h.media.length > before && h.media[before]!.started !== undefined);
    return h.media[before]!;
  };

  it('a call answered: INVITE/100/200/ACK, then caller BYE ends it and stops the media', async () => {
    const before = h.media.length;
    const run = await sipp('uac-call.xml');
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(h.media.length).toBe(before + 1);
    const m = h.media[before]!;
    await waitFor(() => m.stopped !== undefined);
    expect(m.started).toMatchObject({
      from: 'sipp',
      to: '7000',
      profile: 'receptionist',
      codec: 'PCMU',
      source: 'embedded',
    });
    expect(m.stopped).toBe('caller_hangup');
    expect(m.notices).toContainEqual({ type: 'hangup', reason: 'caller_hangup' });
    expect(run.messages).toMatch(/SIP\/2.0 100 Trying/);
    expect(h.gateway.activeCalls).toBe(0);
  });

  it('agent BYE: onHangupRequested sends a BYE the caller answers', async () => {
    const before = h.media.length;
    const running = sipp('uac-agent-bye.xml');
    const m = await newMedia(before);
    m.requestHangup('end_call');
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(m.stopped).toBe('agent_hangup');
    expect(run.messages).toMatch(/^BYE sip:sipp@127\.0\.0\.1/m);
    await waitFor(() => h.gateway.activeCalls === 0);
  });

  it('OPTIONS gets 200 with Allow and Accept', async () => {
    const run = await sipp('uac-options.xml');
    expect(run.code, run.stdout + run.errors).toBe(0);
  });

  it('re-INVITE to hold (sendonly) and to resume goes through CallMedia.negotiate', async () => {
    const before = h.media.length;
    const run = await sipp('uac-reinvite-hold.xml');
    expect(run.code, run.stdout + run.errors).toBe(0);
    const m = h.media[before]!;
    expect(m.offers).toHaveLength(3);
    expect(m.offers[1]).toMatch(/a=sendonly/);
    expect(m.answers[1]).toMatch(/a=recvonly/);
    expect(m.stopped).toBe('caller_hangup');
  });

  it('CANCEL after 200 (race): 200 to the CANCEL and the call stays up until BYE', async () => {
    const before = h.media.length;
    const run = await sipp('uac-cancel-after-200.xml');
    expect(run.code, run.stdout + run.errors).toBe(0);
    const m = h.media[before]!;
    expect(m.started).toBeDefined();
    expect(m.stopped).toBe('caller_hangup');
    expect(run.messages).not.toMatch(/SIP\/2.0 487/);
  });

  it('CANCEL before answer: 200 for the CANCEL, 487 for the INVITE, media never started', async () => {
    const before = ringing.media.length;
    const run = await runSipp({
      scenario: 'uac-cancel.xml',
      target: `127.0.0.1:${RINGING_GW_PORT}`,
      transport,
      localPort,
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    const m = ringing.media[before]!;
    expect(m.started).toBeUndefined();
    expect(m.stopped).toBe('cancelled');
    expect(ringing.gateway.activeCalls).toBe(0);
  });

  it('404 for an unknown extension', async () => {
    const before = h.media.length;
    const run = await sipp('uac-reject-404.xml', { service: '9999' });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(h.media.length).toBe(before);
  });

  it('DTMF via INFO (dtmf-relay and dtmf) reaches CallMedia.notify', async () => {
    const before = h.media.length;
    const run = await sipp('uac-info-dtmf.xml');
    expect(run.code, run.stdout + run.errors).toBe(0);
    const m = h.media[before]!;
    expect(m.notices.filter((n) => n.type === 'dtmf')).toEqual([
      { type: 'dtmf', digit: '5', durationMs: 160 },
      { type: 'dtmf', digit: '#' },
    ]);
  });

  it('blind transfer: REFER with Refer-To/Referred-By, NOTIFY sipfrag 200 → transferResult ok, then BYE', async () => {
    const before = h.media.length;
    const running = sipp('uac-transfer.xml');
    const m = await newMedia(before);
    m.requestTransfer('sales');
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(m.notices).toContainEqual({ type: 'transferResult', ok: true, status: 200, reason: 'OK' });
    expect(run.messages).toMatch(/^Refer-To: <sip:sales@127\.0\.0\.1:15098>/m);
    expect(run.messages).toMatch(/^Referred-By: <sip:7000@127\.0\.0\.1:15060>/m);
    expect(m.stopped).toBe('transferred');
  });
});

describe('retransmitted INVITE over TCP', () => {
  it('two copies of an INVITE (same branch) in one write: one call, the last response re-sent', async () => {
    // (UDP retransmission is proven with exact datagrams in gateway.robustness.test.ts: sipp would
    // treat our re-sent response as a retransmission of its own and loop.)
    const before = h.media.length;
    const run = await runSipp({
      scenario: 'uac-retransmit-tcp.xml',
      target: `127.0.0.1:${GW_PORT}`,
      transport: 'tcp',
      localPort: 15062,
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(h.media.length).toBe(before + 1);
    const received = run.messages
      .split(/^-{20,}.*$/m)
      .filter((b) => /message received/.test(b) && /^CSeq: 1 INVITE/m.test(b));
    // 100 + 200 for the first copy, and the 200 again for the absorbed second copy.
    expect(received.filter((b) => /SIP\/2.0 200 OK/.test(b)).length).toBeGreaterThanOrEqual(2);
  });
});

describe('transfer targets come only from the profile', () => {
  it('a target not in transferTargets is refused without any REFER', async () => {
    const before = h.media.length;
    const running = runSipp({
      scenario: 'uac-agent-bye.xml',
      target: `127.0.0.1:${GW_PORT}`,
      transport: 'udp',
      localPort: 15061,
    });
    await waitFor(() => h.media.length > before && h.media[before]!.started !== undefined);
    const m = h.media[before]!;
    m.requestTransfer('sip:+19005550199@evil.example');
    expect(m.notices).toContainEqual({
      type: 'transferResult',
      ok: false,
      status: 403,
      reason: 'target not in profile',
    });
    m.requestHangup('end_call');
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).not.toMatch(/^REFER /m);
  });
});
