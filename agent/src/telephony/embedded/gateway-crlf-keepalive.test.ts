/**
 * CRLF keep-alives on TCP (RFC 5626 §3.5.1, §4.4.1; SIP ports 15350–15359): registered over TCP we
 * ping the registrar with a double CRLF every keepaliveS and take its single-CRLF pong; two pings
 * unanswered → REGISTER again at once. Proven with a raw TCP registrar that records the bytes, and with
 * Kamailio (which answers pings itself) that no pong is missed. The gateway answers a peer's ping too.
 * A registrar SRV target that does not answer is passed over for the next one.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDns, type FakeDns } from '../../testing/fakes/dns-fake.js';
import { startKamailio, type Kamailio } from '../../testing/kamailio.js';
import { sipDnsVia } from '../calls/sip-target.js';
import { startGateway, type Harness } from './testing/gateway-harness.js';
import { waitFor } from './testing/sipp-runner.js';

let gw: Harness | undefined;
let kam: Kamailio | undefined;
let dns: FakeDns | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  await gw?.gateway.stop();
  await kam?.stop();
  await dns?.close();
  dns = undefined;
  for (const c of closers.splice(0)) c();
  gw = undefined;
  kam = undefined;
});

/** A TCP registrar that grants every REGISTER and answers pings while `pong` is true. */
async function rawRegistrar(port: number) {
  const state = { registers: 0, pings: 0, pong: true };
  const server = net.createServer((s) => {
    let buf = '';
    s.on('error', () => undefined);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        if (buf.startsWith('\r\n\r\n')) {
          buf = buf.slice(4);
          state.pings++;
          if (state.pong) s.write('\r\n');
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4); // REGISTERs carry no body
        if (!head.startsWith('REGISTER ')) continue;
        state.registers++;
        const keep = head
          .split('\r\n')
          .filter((l) => /^(via|from|to|call-id|cseq|contact):/i.test(l))
          .map((l) => (/^to:/i.test(l) ? `${l};tag=reg` : l));
        s.write(['SIP/2.0 200 OK', ...keep, 'Expires: 120', 'Content-Length: 0', '', ''].join('\r\n'));
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  closers.push(() => server.close());
  return state;
}

const REG = { user: '7000', password: 'pw-7000', transport: 'tcp' as const, expires: 120, keepaliveS: 1 };

describe('CRLF keep-alives on a TCP registration', () => {
  it('pings every keepaliveS; with pongs no extra REGISTER, without two of them one at once', async () => {
    const registrar = await rawRegistrar(15350);
    gw = await startGateway({
      port: 15351,
      timeouts: { registerMs: 400 },
      registrations: [{ registrar: 'sip:127.0.0.1:15350', ...REG }],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 5000);
    await waitFor(() => registrar.pings >= 2, 4000);
    expect(registrar.registers).toBe(1);
    registrar.pong = false;
    await waitFor(() => registrar.registers === 2, 5000);
    expect(registrar.pings).toBeGreaterThanOrEqual(4);
  });

  it('Kamailio answers our pings: still registered after several, no REGISTER beyond the first', async () => {
    kam = await startKamailio({ port: 15352, user: '7000', password: 'pw-7000' });
    gw = await startGateway({
      port: 15353,
      timeouts: { registerMs: 400 },
      registrations: [{ registrar: 'sip:127.0.0.1:15352', ...REG }],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 8000);
    await new Promise((r) => setTimeout(r, 3500)); // three pings; two unanswered would re-REGISTER
    expect(kam.log().match(/PBX saved 7000 /g)).toHaveLength(1);
    expect(gw.gateway.registrationStates()[0]!.state).toBe('registered');
  });
});

describe('a peer’s CRLF ping', () => {
  it('is answered with a single CRLF on its connection', async () => {
    gw = await startGateway({ port: 15354 });
    const c = net.connect({ host: '127.0.0.1', port: 15354 });
    closers.push(() => c.destroy());
    await new Promise<void>((r) => c.once('connect', () => r()));
    let got = '';
    c.on('data', (d) => (got += d.toString('latin1')));
    c.write('\r\n\r\n');
    await waitFor(() => got.length > 0, 2000);
    expect(got).toBe('\r\n');
  });
});

describe('SRV failover', () => {
  it('the first SRV target does not answer: the next REGISTER goes to the next one', async () => {
    const registrar = await rawRegistrar(15355);
    dns = await startFakeDns([
      { type: 'SRV', name: '_sip._tcp.pbx.test', priority: 10, weight: 0, port: 15356, target: 'a.pbx.test' },
      { type: 'SRV', name: '_sip._tcp.pbx.test', priority: 20, weight: 0, port: 15355, target: 'a.pbx.test' },
      { type: 'A', name: 'a.pbx.test', address: '127.0.0.1' },
    ]);
    gw = await startGateway({
      port: 15357,
      timeouts: { registerMs: 400 },
      registrationBackoff: { baseMs: 100, maxMs: 200 },
      registrarDns: sipDnsVia([dns.server]),
      registrations: [{ ...REG, registrar: 'sip:pbx.test', keepaliveS: 0 }],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 5000);
    expect(registrar.registers).toBe(1);
  });
});
