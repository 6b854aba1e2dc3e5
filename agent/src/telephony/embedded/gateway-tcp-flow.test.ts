/**
 * TCP flows that break mid-call (SIP ports 15330–15339, sipp RTP 23180+). A caller's connection that
 * drops no longer ends the call or strands it on the dead ephemeral port: the agent's BYE goes over a
 * new connection to the caller's Contact (RFC 3261 §18, §12.2.1.1) — proven with sipp over TCP whose
 * socket the test kills with `ss -K` — and a response to a request whose connection closed goes to
 * the Via's sent-by port (§18.2.2). The idle timeout spares a connection that carries a call or a
 * softphone's registration.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOPBACK_TRUNK, startGateway, testProfiles, type Harness } from './testing/gateway-harness.js';
import { digestHeader, inviteText, rawTcp } from './testing/raw-sip-client.js';
import { startKamailio, type Kamailio } from '../../testing/kamailio.js';
import { runSipp, waitFor } from './testing/sipp-runner.js';

const profiles = testProfiles({ trunks: [LOOPBACK_TRUNK] });

let h: Harness | undefined;
let kam: Kamailio | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await h?.gateway.stop();
  await kam?.stop();
  h = undefined;
  kam = undefined;
});

/** Abort every TCP socket on this box connected to `port` (the kernel's SOCK_DESTROY, as a NAT timeout would). */
function killConnectionsTo(port: number): void {
  execFileSync('ss', ['-K', 'dst', '127.0.0.1', 'dport', '=', `:${port}`], { stdio: 'ignore' });
}

/** A TCP listener standing in for the caller's SIP port: collects whole messages from every connection. */
async function sipListener(port: number): Promise<{ messages: string[]; sockets: net.Socket[] }> {
  const messages: string[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        messages.push(buf.slice(0, end + 4 + len));
        buf = buf.slice(end + 4 + len);
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { messages, sockets };
}

describe('a caller TCP connection that drops mid-call', () => {
  it('Kamailio relays a call over TCP; that connection killed mid-call, our BYE still reaches the caller', async () => {
    kam = await startKamailio({ port: 15335, user: '7000', password: 'pw-7000' });
    h = await startGateway({
      port: 15336,
      registrations: [
        {
          registrar: 'sip:127.0.0.1:15335',
          user: '7000',
          password: 'pw-7000',
          transport: 'tcp',
          expires: 120,
        },
      ],
    });
    await waitFor(() => h!.gateway.registrationStates()[0]?.state === 'registered', 8000);
    const running = runSipp({
      scenario: 'uac-agent-bye.xml',
      target: '127.0.0.1:15335',
      transport: 'udp',
      localPort: 15337,
      mediaPort: 23180,
    });
    await waitFor(() => h!.media[0]?.started !== undefined, 10_000);
    // Kamailio opened a connection to our TCP port for the INVITE: abort it, as a NAT or a crash would.
    killConnectionsTo(15336);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.media[0]!.stopped).toBeUndefined(); // the call goes on without that connection
    expect(h.gateway.activeCalls).toBe(1);
    h.media[0]!.requestHangup();
    const run = await running;
    expect(run.code, run.output + run.errors + kam.log().slice(-3000)).toBe(0);
    expect(run.messages).toMatch(/message received[\s\S]*BYE sip:sipp@127\.0\.0\.1:15337/);
    await waitFor(() => h!.gateway.activeCalls === 0);
  });

  it('a raw TCP caller gone: the BYE goes to its Contact port on a new connection, not the dead ephemeral one', async () => {
    h = await startGateway({ port: 15332, profiles });
    const contact = await sipListener(15333);
    const c = net.connect({ host: '127.0.0.1', port: 15332 });
    await new Promise<void>((r) => c.once('connect', () => r()));
    c.on('error', () => undefined);
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    const invite = inviteText({ port: 15332, transport: 'TCP', callId: 'drop', localPort: 15333 });
    c.write(invite);
    await waitFor(() => / 200 OK\r\n/.test(got));
    const toTag = /^To: .*;tag=([^;\s]+)/m.exec(got.slice(got.indexOf(' 200 OK')))![1];
    c.write(
      invite
        .replace(/^INVITE /, 'ACK ')
        .replace('CSeq: 1 INVITE', 'CSeq: 1 ACK')
        .replace(/^(To: .*)$/m, `$1;tag=${toTag}`)
        .replace(/branch=\S+?;/, 'branch=z9hG4bKackdrop;')
        .replace(/Content-Type: .*\r\n/, '')
        .replace(/Content-Length: \d+\r\n\r\n[\s\S]*$/, 'Content-Length: 0\r\n\r\n'),
    );
    const media = h.byCallId('drop@raw')!;
    await waitFor(() => media.started !== undefined);
    const ephemeral = c.localPort;
    c.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(media.stopped).toBeUndefined();
    media.requestHangup();
    await waitFor(() => contact.messages.some((m) => m.startsWith('BYE ')));
    expect(contact.sockets[0]!.remotePort).not.toBe(ephemeral);
    const bye = contact.messages.find((m) => m.startsWith('BYE '))!;
    expect(bye).toMatch(/^Call-ID: drop@raw\r$/m);
  });

  it('a response due after the connection closed goes to the Via sent-by port on a new connection', async () => {
    h = await startGateway({ port: 15338, profiles, ringMs: 400 });
    const contact = await sipListener(15339);
    const c = await rawTcp(15338);
    c.send(inviteText({ port: 15338, transport: 'TCP', callId: 'ringing', localPort: 15339 }));
    await c.waitReplies(2); // 100 Trying, 180 Ringing on the caller's connection
    expect(c.replies[1]).toMatch(/^SIP\/2\.0 180 /);
    c.close();
    await waitFor(() => contact.messages.some((m) => m.startsWith('SIP/2.0 200 OK')), 3000);
    expect(contact.messages.find((m) => m.startsWith('SIP/2.0 200'))).toMatch(/^Call-ID: ringing@raw\r$/m);
  });
});

describe('the TCP idle timeout', () => {
  it('closes a connection that carries nothing, keeps one a softphone registered over', async () => {
    const carol = { username: 'carol', password: 'carol-long-secret' };
    h = await startGateway({ port: 15334, profiles, users: [carol], tcpIdleMs: 300 });
    const idle = await rawTcp(15334);
    const phone = await rawTcp(15334);
    const register = (auth?: string): string =>
      [
        'REGISTER sip:127.0.0.1:15334 SIP/2.0',
        `Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`,
        'From: <sip:carol@127.0.0.1>;tag=reg1',
        'To: <sip:carol@127.0.0.1>',
        'Call-ID: idle-reg@raw',
        `CSeq: ${auth ? 2 : 1} REGISTER`,
        'Contact: <sip:carol@127.0.0.1:5099;transport=tcp>',
        'Expires: 600',
        'Max-Forwards: 70',
        ...(auth ? [auth] : []),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    phone.send(register());
    const [challenge] = await phone.waitReplies(1);
    const auth = digestHeader(challenge!, { ...carol, method: 'REGISTER', uri: 'sip:127.0.0.1:15334' });
    phone.send(register(auth));
    await phone.waitReplies(2);
    expect(phone.replies[1]).toMatch(/^SIP\/2\.0 200 /);
    await waitFor(() => h!.gateway.load().connections === 1, 3000); // the idle one was closed
    await new Promise((r) => setTimeout(r, 700)); // more than two idle periods
    expect(h.gateway.registeredUsers().map((u) => u.user)).toEqual(['carol']);
    expect(h.gateway.load().connections).toBe(1);
    idle.close();
    phone.close();
  });
});
