/**
 * The gateway's limits over real loopback sockets (SIP ports 15120–15129), each with a small cap so the
 * edge is reached quickly: Timer H frees an un-ACKed call's media, a closed WebSocket flow ends its call (a TCP one does
 * not: gateway-tcp-flow.test.ts), and
 * calls, transactions and connections per source are capped. The attacker-eye view of the same
 * defences is the security suite (agent/test/security).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOPBACK_TRUNK, startGateway, testProfiles, type Harness } from './testing/gateway-harness.js';
import { digestHeader, inviteText, rawUdp } from './testing/raw-sip-client.js';
import { rawWs, until } from './testing/raw-ws-sip.js';

const statusOf = (reply: string | undefined) => Number(/^SIP\/2\.0 (\d{3})/.exec(reply ?? '')?.[1] ?? 0);
const profiles = testProfiles({ trunks: [LOOPBACK_TRUNK] });

let h: Harness | undefined;
afterEach(async () => {
  await h?.gateway.stop();
  h = undefined;
});

function ackFor(invite: string, ok: string): string {
  const toTag = /^To: .*;tag=([^;\s]+)/m.exec(ok)?.[1];
  return invite
    .replace(/^INVITE /, 'ACK ')
    .replace('CSeq: 1 INVITE', 'CSeq: 1 ACK')
    .replace(/^(To: .*)$/m, `$1;tag=${toTag}`)
    .replace(/branch=\S+?;/, `branch=z9hG4bKack${Math.random().toString(36).slice(2)};`)
    .replace(/Content-Type: .*\r\n/, '')
    .replace(/Content-Length: \d+\r\n\r\n[\s\S]*$/, 'Content-Length: 0\r\n\r\n');
}

describe('gateway limits', () => {
  it('Timer H: an INVITE answered but never ACKed has its media stopped after 64·T1', async () => {
    h = await startGateway({ port: 15120, profiles, timers: { t1: 20 } });
    const c = await rawUdp(15120);
    c.send(inviteText({ port: 15120, callId: 'no-ack' }));
    await c.waitReplies(2);
    expect(c.replies.map(statusOf)).toContain(200);
    const media = h.byCallId('no-ack@raw')!;
    expect(media.stopped).toBeUndefined();
    await until('media stopped', () => media.stopped, 5000);
    expect(media.stopped).toBe('signalling_lost');
    c.close();
  });

  it('a closed WebSocket flow ends its call and tells the agent (a browser cannot be dialled back)', async () => {
    h = await startGateway({ port: 15127, profiles, transports: ['udp', 'tcp', 'ws'], wsPort: 15128 });
    const c = await rawWs('ws://127.0.0.1:15128');
    const invite = inviteText({ port: 15127, transport: 'WS', callId: 'ws-flow' });
    c.send(invite);
    const ok = await c.waitFor(/^SIP\/2\.0 200 /);
    c.send(ackFor(invite, ok));
    const media = h.byCallId('ws-flow@raw')!;
    await until('call confirmed', () => media.started);
    await c.close();
    await until('media stopped', () => media.stopped);
    expect(media.stopped).toBe('signalling_lost');
    expect(media.notices).toContainEqual({ type: 'hangup', reason: 'signalling_lost' });
    expect(h.gateway.activeCalls).toBe(0);
  });

  it('calls from one untrusted source are capped (503 beyond); a trusted trunk source is not', async () => {
    const carol = { username: 'carol', password: 'carol-long-secret' };
    h = await startGateway({
      port: 15122,
      profiles: testProfiles({ users: [carol] }),
      limits: { maxCallsPerSource: 2 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await rawUdp(15122);
      const invite = inviteText({ port: 15122, callId: `cap-${i}` });
      c.send(invite);
      const challenge = (await c.waitReplies(2)).find((x) => statusOf(x) === 401)!;
      const uri = 'sip:7000@127.0.0.1:15122';
      const auth = digestHeader(challenge, { ...carol, method: 'INVITE', uri });
      c.send(
        invite
          .replace('CSeq: 1 INVITE', `CSeq: 2 INVITE\r\n${auth}`)
          .replace(/branch=\S+?;/, `branch=z9hG4bKauth${i};`),
      );
      const r = await c.waitReplies(4);
      statuses.push(statusOf(r.slice(2).find((x) => statusOf(x) >= 200)));
      c.close();
    }
    expect(statuses).toEqual([200, 200, 503]);
    expect(h.gateway.load().calls).toBe(2);
    await h.gateway.stop();
    h = await startGateway({ port: 15122, profiles, limits: { maxCallsPerSource: 2 } });
    for (let i = 0; i < 3; i++) {
      const c = await rawUdp(15122);
      c.send(inviteText({ port: 15122, callId: `trunk-${i}` }));
      expect(statusOf((await c.waitReplies(2)).find((x) => statusOf(x) >= 200))).toBe(200);
      c.close();
    }
  });

  it('server transactions from one untrusted source are capped before any state is kept for them', async () => {
    h = await startGateway({ port: 15123, limits: { maxTransactionsPerSource: 5 } });
    const c = await rawUdp(15123);
    for (let i = 0; i < 8; i++) {
      c.send(
        inviteText({ port: 15123, callId: `opt-${i}`, branch: `z9hG4bKopt${i}` })
          .replace(/^INVITE /, 'OPTIONS ')
          .replace('CSeq: 1 INVITE', 'CSeq: 1 OPTIONS'),
      );
    }
    const r = await c.waitReplies(8);
    expect(r.map(statusOf).sort()).toEqual([200, 200, 200, 200, 200, 503, 503, 503]);
    expect(h.gateway.load().transactions).toBe(5);
    c.close();
  });

  it('TCP connections from one source are capped; the extra ones are closed at once', async () => {
    h = await startGateway({ port: 15124, profiles, limits: { connections: { maxPerSource: 3 } } });
    const socks = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = net.connect({ host: '127.0.0.1', port: 15124 });
        const state = { closed: false };
        s.on('close', () => (state.closed = true));
        s.on('error', () => undefined);
        await new Promise((r) => s.once('connect', r));
        return { s, state };
      }),
    );
    await until('extra connections closed', () => socks.filter((x) => x.state.closed).length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(socks.filter((x) => !x.state.closed)).toHaveLength(3);
    expect(h.gateway.load().connections).toBe(3);
    for (const x of socks) x.s.destroy();
  });

  it('SIP over WebSocket: allowed origins and clients without one connect; other origins get 403', async () => {
    h = await startGateway({
      port: 15125,
      profiles,
      transports: ['udp', 'tcp', 'ws'],
      wsPort: 15126,
      wsAllowedOrigins: ['http://127.0.0.1:8080', 'app://phone'],
    });
    const url = 'ws://127.0.0.1:15126';
    for (const origin of ['http://127.0.0.1:8080', 'APP://phone', undefined]) {
      const ws = await rawWs(url, ['sip'], origin ? { origin } : {});
      await ws.close();
    }
    await expect(rawWs(url, ['sip'], { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(rawWs(url, ['sip'], { origin: 'http://127.0.0.1:8081' })).rejects.toThrow('HTTP 403');
  });
});
