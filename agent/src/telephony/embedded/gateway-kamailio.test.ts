/**
 * Interop with a real Kamailio as the PBX (registrar + proxy on 127.0.0.1:15100/15101): the gateway
 * registers as extension 7000 with digest auth (MD5, and SHA-256 over TCP after the PBX was down),
 * a sipp caller reaching 7000@kamailio lands on the gateway, and stop() un-REGISTERs; a registrar that
 * refuses a brief interval (423) gets its Min-Expires, and one that forbids us (403) is not hammered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type Harness } from './testing/gateway-harness.js';
import { startKamailio, type Kamailio } from '../../testing/kamailio.js';
import { runSipp, waitFor } from './testing/sipp-runner.js';

let kam: Kamailio | undefined;
let gw: Harness | undefined;
afterEach(async () => {
  await gw?.gateway.stop();
  await kam?.stop();
  gw = undefined;
  kam = undefined;
});

describe('registration to Kamailio as a PBX extension', () => {
  it('registers with MD5 digest, receives the call for 7000 through the PBX, un-REGISTERs on stop', async () => {
    kam = await startKamailio({ port: 15100, user: '7000', password: 'pw-7000', algorithm: 'MD5' });
    // Loopback is not trusted here: the call is accepted only because it arrives over our registration.
    gw = await startGateway({
      port: 15088,
      trustLoopback: false,
      registrations: [
        {
          registrar: 'sip:127.0.0.1:15100',
          user: '7000',
          password: 'pw-7000',
          transport: 'udp',
          expires: 120,
        },
      ],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 8000);
    // Kamailio's log lines arrive on its stderr a moment after its replies.
    await waitFor(() => /PBX challenge for 7000[\s\S]*PBX saved 7000 expires=120 /.test(kam!.log()));

    const run = await runSipp({
      scenario: 'uac-call.xml',
      target: '127.0.0.1:15100',
      transport: 'udp',
      localPort: 15089,
    });
    expect(run.code, run.stdout + run.errors + kam.log().slice(-3000)).toBe(0);
    expect(gw.media).toHaveLength(1);
    expect(gw.media[0]!.started).toMatchObject({ to: '7000', profile: 'receptionist' });
    // The Contact we registered has a random user part: the PBX routes to it, nobody else can guess it.
    expect(kam.log()).toMatch(/PBX routing INVITE for 7000 to sip:7000-[0-9a-f]{32}@127\.0\.0\.1:15088[;\s]/);

    await gw.gateway.stop();
    expect(gw.gateway.registrationStates()[0]?.state).toBe('unregistered');
    await waitFor(() => /PBX saved 7000 expires=0 /.test(kam!.log()));
    const after = await runSipp({
      scenario: 'uac-reject-404.xml',
      target: '127.0.0.1:15100',
      transport: 'udp',
      localPort: 15089,
    });
    expect(after.code, after.stdout + after.errors).toBe(0);
  });

  it('backs off while the PBX is down, then registers with SHA-256 over TCP once it is up', async () => {
    gw = await startGateway({
      port: 15090,
      timers: { t1: 50 },
      registrationBackoff: { baseMs: 200, maxMs: 1000 },
      registrations: [
        {
          registrar: 'sip:127.0.0.1:15101',
          user: '7000',
          password: 'pw-7000',
          transport: 'tcp',
          expires: 120,
        },
      ],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'backoff', 8000);
    expect(gw.gateway.registrationStates()[0]!.failures).toBeGreaterThanOrEqual(1);
    kam = await startKamailio({ port: 15101, user: '7000', password: 'pw-7000', algorithm: 'SHA-256' });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 15000);
    const run = await runSipp({
      scenario: 'uac-call.xml',
      target: '127.0.0.1:15101',
      transport: 'udp',
      localPort: 15091,
    });
    expect(run.code, run.stdout + run.errors + kam.log().slice(-3000)).toBe(0);
    expect(gw.media).toHaveLength(1);
  }, 40_000);

  it('423 Interval Too Brief: registers again at once with the Min-Expires Kamailio asks for', async () => {
    kam = await startKamailio({
      port: 15102,
      user: '7000',
      password: 'pw-7000',
      expires: { minS: 300, maxS: 3600 },
      refuseBriefExpires: true,
    });
    gw = await startGateway({
      port: 15092,
      registrations: [
        {
          registrar: 'sip:127.0.0.1:15102',
          user: '7000',
          password: 'pw-7000',
          transport: 'udp',
          expires: 120,
        },
      ],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 8000);
    await waitFor(() => /PBX saved 7000 expires=300 /.test(kam!.log()));
    expect(kam.log()).toMatch(/PBX did not save 7000 expires=120\n/);
    expect(gw.gateway.registrationStates()[0]!.failures).toBe(0);
  });

  it('403 Forbidden: three attempts spaced by the back-off, then it stops trying', async () => {
    kam = await startKamailio({ port: 15103, user: '7000', password: 'pw-7000', forbidRegister: true });
    gw = await startGateway({
      port: 15093,
      registrationBackoff: { baseMs: 100, maxMs: 200 },
      registrations: [
        {
          registrar: 'sip:127.0.0.1:15103',
          user: '7000',
          password: 'pw-7000',
          transport: 'udp',
          expires: 120,
        },
      ],
    });
    const refused = () => kam!.log().match(/PBX refused 7000/g)?.length ?? 0;
    await waitFor(() => refused() === 3, 8000);
    await new Promise((r) => setTimeout(r, 1500)); // well past the back-off: no fourth attempt
    expect(refused()).toBe(3);
    expect(gw.gateway.registrationStates()[0]).toMatchObject({ state: 'failed', lastStatus: 403 });
  });

  it('over UDP, OPTIONS keepalives to the registrar from our SIP port while registered', async () => {
    kam = await startKamailio({ port: 15104, user: '7000', password: 'pw-7000' });
    gw = await startGateway({
      port: 15094,
      registrations: [
        {
          registrar: 'sip:127.0.0.1:15104',
          user: '7000',
          password: 'pw-7000',
          transport: 'udp',
          expires: 120,
          keepaliveS: 1,
        },
      ],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 8000);
    const pings = () => kam!.log().match(/PBX OPTIONS from 127\.0\.0\.1:15094\n/g)?.length ?? 0;
    await waitFor(() => pings() >= 2, 5000);
    expect(kam.log().match(/PBX saved 7000 /g)).toHaveLength(1); // answered: no extra REGISTER
    expect(gw.gateway.registrationStates()[0]!.state).toBe('registered');
  });
});
