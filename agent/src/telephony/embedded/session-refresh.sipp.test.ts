/**
 * Interop: session refreshes we send (RFC 4028) as the refresher, against real sipp callers (gateway
 * SIP 15190, sipp 15191). The gateway runs on a FastForwardClock: real time for SIP, and the test
 * jumps 45 s (half of Session-Expires: 90, the RFC minimum) instead of waiting for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastForwardClock } from '../../testing/fast-forward-clock.js';
import { LOOPBACK_TRUNK, startGateway, testProfiles, type Harness } from './testing/gateway-harness.js';
import { runSipp, waitFor } from './testing/sipp-runner.js';

const GW_PORT = 15190;
const clock = new FastForwardClock();
let h: Harness;

beforeAll(async () => {
  h = await startGateway({
    port: GW_PORT,
    ringMs: 0,
    profiles: testProfiles({ trunks: [LOOPBACK_TRUNK] }),
    clock,
  });
});
afterAll(() => h.gateway.stop());

const sipp = (scenario: string) =>
  runSipp({ scenario, target: `127.0.0.1:${GW_PORT}`, transport: 'udp', localPort: 15191 });

async function answered(before: number) {
  await waitFor(() => h.media.length > before && h.media[before]!.started !== undefined);
  return h.media[before]!;
}

describe('we refresh the session (RFC 4028 §7) when we are the refresher', () => {
  it('refresher=uas and UPDATE allowed: UPDATE at half the interval; a 481 to the next ends the call (session_expired)', async () => {
    const before = h.media.length;
    const running = sipp('uac-session-refresh-update.xml');
    const m = await answered(before);
    clock.skip(45_000);
    // The caller sends an INFO digit once it has answered the first refresh.
    await waitFor(() => m.notices.some((n) => n.type === 'dtmf'));
    expect(m.stopped).toBeUndefined(); // the refresh kept the call
    clock.skip(45_000);
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages.match(/^UPDATE sip:/gm)).toHaveLength(2);
    expect(run.messages).not.toMatch(/^INVITE sip:sipp/m);
    await waitFor(() => m.stopped !== undefined);
    expect(m.stopped).toBe('session_expired');
  });

  it('refresher left to us, no UPDATE: a re-INVITE with our SDP; 422 raises it to the Min-SE; the 200 is ACKed', async () => {
    const before = h.media.length;
    const running = sipp('uac-session-refresh-reinvite.xml');
    const m = await answered(before);
    const answer = m.answers[0]!;
    clock.skip(45_000);
    const run = await running;
    expect(run.code, run.stdout + run.errors).toBe(0);
    // Both re-INVITEs offer exactly what we answered (o= version unchanged: nothing changes).
    const offers = run.messages.split(/^INVITE sip:sipp/m).slice(1);
    expect(offers).toHaveLength(2);
    for (const o of offers) expect(o).toContain(answer.trim());
    await waitFor(() => m.stopped !== undefined);
    expect(m.stopped).toBe('caller_hangup');
  });
});
