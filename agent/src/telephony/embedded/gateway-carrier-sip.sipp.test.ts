/**
 * Interop: the SIP real PBXs and carriers send, from real sipp processes (loopback SIP ports 15130–15134):
 * a caller behind NAT, a BYE in an early dialog, delayed offer, a re-INVITE without SDP, Require: 100rel
 * and session timers. The media half is RecordingCallMedia (test-only), so these prove signalling;
 * the delayed offer is also proven with RTP end to end in test/e2e/sip-sipp.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK_TRUNK, startGateway, testProfiles, type Harness } from './testing/gateway-harness.js';
import { runSipp, waitFor, type SippOptions } from './testing/sipp-runner.js';

const GW_PORT = 15130;
const RINGING_GW_PORT = 15133;
let h: Harness;
let ringing: Harness;

beforeAll(async () => {
  const profiles = testProfiles({ trunks: [LOOPBACK_TRUNK] });
  h = await startGateway({ port: GW_PORT, ringMs: 0, profiles });
  ringing = await startGateway({ port: RINGING_GW_PORT, ringMs: 1500, profiles });
});
afterAll(async () => {
  await h.gateway.stop();
  await ringing.gateway.stop();
});

const sipp = (scenario: string, o: Partial<SippOptions> = {}) =>
  runSipp({ scenario, target: `127.0.0.1:${GW_PORT}`, transport: 'udp', localPort: 15131, ...o });
const newMedia = async (harness: Harness, before: number) => {
  await waitFor(() => harness.media.length > before && harness.media[before]!.started !== undefined);
  return harness.media[before]!;
};

describe('a caller behind NAT (Via and Contact name its inside address 192.168.77.20:5062)', () => {
  it('the agent BYE goes to the address the dialog came from, not to the Contact', async () => {
    const before = h.media.length;
    const running = sipp('uac-nat-agent-bye.xml');
    const m = await newMedia(h, before);
    m.requestHangup('end_call');
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).toMatch(/^BYE sip:sipp@192\.168\.77\.20:5062 SIP\/2\.0/m);
    expect(m.stopped).toBe('agent_hangup');
    await waitFor(() => h.gateway.activeCalls === 0);
  });

  it('the REFER reaches it too, and the transfer completes on its NOTIFY', async () => {
    const before = h.media.length;
    const running = sipp('uac-nat-transfer.xml');
    const m = await newMedia(h, before);
    m.requestTransfer('sales');
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).toMatch(/^REFER sip:sipp@192\.168\.77\.20:5062 SIP\/2\.0/m);
    expect(m.notices).toContainEqual({ type: 'transferResult', ok: true, status: 200, reason: 'OK' });
    expect(m.stopped).toBe('transferred');
  });
});

describe('a BYE in the early dialog (after 180, before the answer)', () => {
  it('200 for the BYE and 487 for the INVITE; the call never answers', async () => {
    const before = ringing.media.length;
    const run = await sipp('uac-early-bye.xml', { target: `127.0.0.1:${RINGING_GW_PORT}` });
    expect(run.code, run.stdout + run.errors).toBe(0);
    const m = ringing.media[before]!;
    expect(m.started).toBeUndefined();
    expect(m.stopped).toBe('caller_hangup');
    expect(run.messages).not.toMatch(/SIP\/2\.0 480/);
    await waitFor(() => ringing.gateway.activeCalls === 0);
  });
});

describe('delayed offer (an INVITE without SDP, as many carriers and PBXs send)', () => {
  it('our offer goes in the 200 OK, the answer comes from the ACK and decides the codec', async () => {
    const before = h.media.length;
    const run = await sipp('uac-delayed-offer.xml');
    expect(run.code, run.stdout + run.errors).toBe(0);
    const m = h.media[before]!;
    expect(m.offers).toEqual([]); // nothing to answer: we offered
    expect(m.ourOffers).toHaveLength(1);
    expect(m.theirAnswers).toHaveLength(1);
    expect(m.theirAnswers[0]).toMatch(/^m=audio \d+ RTP\/AVP 8 101/m);
    expect(m.started).toMatchObject({ codec: 'PCMA', profile: 'receptionist' });
    await waitFor(() => m.stopped !== undefined);
    expect(m.stopped).toBe('caller_hangup');
    expect(run.messages).not.toMatch(/SIP\/2\.0 488/);
  });
});

describe('a re-INVITE without SDP', () => {
  it('gets a fresh offer in its 200 OK; the answer in its ACK is applied (here: hold)', async () => {
    const before = h.media.length;
    const running = sipp('uac-reinvite-no-sdp.xml');
    const m = await newMedia(h, before);
    await waitFor(() => m.theirAnswers.length === 1);
    await waitFor(() => h.gateway.callList().some((c) => c.state === 'held'));
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(m.offers).toHaveLength(1); // the initial INVITE's
    expect(m.ourOffers).toHaveLength(1); // the re-INVITE's
    expect(m.theirAnswers[0]).toMatch(/^a=sendonly/m);
    expect(m.stopped).toBe('caller_hangup');
  });
});

describe('Require: 100rel (PRACK, RFC 3262), which we do not do', () => {
  it('a clean 420 Bad Extension with Unsupported: 100rel; no call starts', async () => {
    const before = h.media.length;
    const run = await sipp('uac-require-100rel.xml');
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(h.media.length).toBe(before);
  });
});

describe('session timers (RFC 4028)', () => {
  it('a Session-Expires below our Min-SE: 422 with Min-SE: 90, no call', async () => {
    const before = h.media.length;
    const run = await sipp('uac-session-timer-422.xml');
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(h.media[before]?.offers ?? []).toEqual([]); // refused before any offer/answer
    expect(h.media[before]?.started).toBeUndefined();
    await waitFor(() => h.gateway.activeCalls === 0);
  });

  it('honoured: the caller refreshes (re-INVITE); when it stops, our BYE comes before the session expires', async () => {
    const before = h.media.length;
    const t0 = Date.now();
    const running = sipp('uac-session-timer.xml', { timeoutMs: 90_000 });
    const m = await newMedia(h, before);
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    // Refreshed about 0.5 s after the answer; the deadline is then 90 − 30 = 60 s.
    expect(Date.now() - t0).toBeGreaterThan(59_000);
    expect(Date.now() - t0).toBeLessThan(75_000);
    expect(m.stopped).toBe('session_expired');
  }, 100_000);
});

describe('UPDATE (RFC 3311)', () => {
  it('a new offer mid-call (hold and a codec change) is answered in its 200, which also refreshes the session', async () => {
    const before = h.media.length;
    const running = sipp('uac-update.xml');
    const m = await newMedia(h, before);
    await waitFor(() => h.gateway.callList().some((c) => c.state === 'held'));
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(m.offers).toHaveLength(2);
    expect(m.offers[1]).toMatch(/^a=sendonly/m);
    expect(m.answers[1]).toMatch(/^m=audio \d+ RTP\/AVP 8\r$/m);
    expect(m.stopped).toBe('caller_hangup');
  });
});
