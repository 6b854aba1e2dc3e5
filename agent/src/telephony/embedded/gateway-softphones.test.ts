/**
 * Real softphone stacks against the embedded gateway over ws://, with real WebRTC media (werift in Node:
 * ICE on 127.0.0.1, DTLS-SRTP, PCMU): JsSIP registers with digest and calls the agent (WebRtcCallMedia,
 * fork to a recording agent); sip.js registers and calls a JsSIP user through the B2BUA (ring, answer,
 * media flowing phone to phone, BYE; CANCEL; 480 and 404).
 */
import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { IncomingRTCSessionEvent, RTCSessionEvent } from 'jssip/lib/UA.js';
import { Inviter, Registerer, RegistererState, SessionState, UserAgent, type Session } from 'sip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { systemClock } from '../../time/clock.js';
import { createLogger } from '../../log.js';
import { Router } from '../../routing/router.js';
import { embeddedMediaFactory } from './start.js';
import { SipGateway } from './gateway.js';
import { installJssipGlobals, jssipPeers } from './testing/jssip-werift-shim.js';
import { testProfiles } from './testing/gateway-harness.js';
import { until } from './testing/raw-ws-sip.js';
import { sipjsPeers, WeriftSessionDescriptionHandler } from './testing/sipjs-werift-sdh.js';
import { ForkRecorder, tone } from './webrtc/testing/fork-recorder.js';

const WS_URL = 'ws://127.0.0.1:18064';
const USERS = [
  { username: 'alice', password: 'alice-secret' },
  { username: 'bob', password: 'bob-secret' },
  { username: 'carol', password: 'carol-secret' },
];
const log = createLogger(process.env.SIP_TEST_LOG ?? 'silent');
const NO_MEDIA = { mediaConstraints: { audio: false, video: false }, pcConfig: { iceServers: [] } };

installJssipGlobals();

function jssipUa(user: string, password: string, onInvite?: (s: RTCSession) => void) {
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(WS_URL)],
    uri: `sip:${user}@127.0.0.1`,
    password,
    register: true,
    register_expires: 300,
    session_timers: false,
    connection_recovery_min_interval: 60,
    connection_recovery_max_interval: 60,
  });
  ua.on('newRTCSession', ((e: RTCSessionEvent) => {
    if (e.originator === 'remote') onInvite?.((e as IncomingRTCSessionEvent).session);
  }) as never);
  const registered = new Promise<number>((resolve) => {
    ua.on('registered', (e) => resolve(e.response.status_code));
    ua.on('registrationFailed', (e) => resolve(e.response?.status_code ?? 0));
  });
  ua.start();
  return { ua, registered };
}

async function stopJssip(ua: JsSIP.UA): Promise<void> {
  const done = new Promise<void>((r) => {
    ua.once('disconnected', () => r());
    setTimeout(r, 2000);
  });
  ua.stop();
  await done;
}

async function sipjsUa(user: string, password: string) {
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@127.0.0.1`)!,
    authorizationUsername: user,
    authorizationPassword: password,
    transportOptions: { server: WS_URL, connectionTimeout: 3 },
    sessionDescriptionHandlerFactory: () => new WeriftSessionDescriptionHandler(),
    logLevel: process.env.SIPJS_LOG === '1' ? 'debug' : 'error',
  });
  await ua.start();
  const registerer = new Registerer(ua, { expires: 300 });
  const registered = new Promise<void>((resolve, reject) => {
    registerer.stateChange.addListener((s) => {
      if (s === RegistererState.Registered) resolve();
    });
    setTimeout(() => reject(new Error('sip.js did not register')), 5000);
  });
  await registerer.register();
  await registered;
  return { ua, registerer };
}

function waitState(session: Session, state: SessionState, timeoutMs = 8000): Promise<void> {
  if (session.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`session never reached ${state} (is ${session.state})`)),
      timeoutMs,
    );
    session.stateChange.addListener((s) => {
      if (s === state) {
        clearTimeout(t);
        resolve();
      }
    });
  });
}

describe('softphones over ws:// (JsSIP and sip.js, WebRTC media by werift)', () => {
  let gateway: SipGateway;
  let agent: ForkRecorder;

  beforeAll(async () => {
    (globalThis as Record<string, unknown>).WebSocket ??= WebSocket;
    agent = await ForkRecorder.listen(0);
    gateway = new SipGateway({
      host: '127.0.0.1',
      port: 0,
      transports: ['ws'],
      wsPort: 18064,
      router: new Router(testProfiles({ users: USERS }), { trustLoopback: false }),
      registrations: [],
      users: USERS,
      clock: systemClock,
      log,
      createMedia: embeddedMediaFactory({
        host: '127.0.0.1',
        rtpPorts: { min: 29000, max: 29099 },
        fork: { url: agent.url },
        log,
        clock: systemClock,
      }),
    });
    await gateway.start();
  });
  afterAll(async () => {
    for (const p of jssipPeers) p.close();
    for (const p of sipjsPeers) p.close();
    await gateway?.stop();
    await agent?.close();
  });

  it('JsSIP: a wrong password is refused with 403', async () => {
    const { ua, registered } = jssipUa('carol', 'wrong-password');
    expect(await registered).toBe(403);
    await stopJssip(ua);
  });

  it('JsSIP registers with digest and calls the agent with a WebRTC offer: audio both ways, fork callId = SIP Call-ID, BYE ends the fork', async () => {
    const { ua, registered } = jssipUa('alice', 'alice-secret');
    expect(await registered).toBe(200);
    expect(gateway.registeredUsers()).toContainEqual(
      expect.objectContaining({ user: 'alice', transport: 'ws' }),
    );
    const started = Date.now();
    let sipCallId = '';
    const confirmed = new Promise<number>((resolve, reject) => {
      const session = ua.call('sip:7000@127.0.0.1', {
        ...NO_MEDIA,
        eventHandlers: {
          sending: (e: { request: { call_id: string; body?: string } }) => {
            sipCallId = e.request.call_id;
          },
          confirmed: () => resolve(Date.now() - started),
          failed: (e: { cause: string }) => reject(new Error(`call failed: ${e.cause}`)),
        } as never,
      });
      void session;
    });
    const setupMs = await confirmed;
    const peer = jssipPeers.at(-1)!;
    expect(peer.localDescription?.sdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF/m);
    await until('fork metadata', () => agent.metadata, 5000);
    expect(agent.metadata!.callId).toBe(sipCallId);
    expect(agent.metadata).toMatchObject({ from: 'alice', to: '7000', codec: 'PCMU' });
    const loud = () => agent.callerFrames.filter((f) => f.some((s) => Math.abs(s) > 3000)).length;
    await until('caller tone at the agent', () => loud() >= 25, 8000);
    agent.sendAudio(tone(1000, 1500));
    await until(
      'agent audio at the phone',
      () => peer.media.packetsReceived >= 25 && peer.media.peak > 3000,
      8000,
    );
    console.log(`jssip→agent webrtc: INVITE to confirmed ${setupMs} ms`);
    ua.terminateSessions();
    await until('fork closed', () => agent.closeCode !== undefined, 5000);
    expect(agent.notices).toContainEqual(expect.objectContaining({ type: 'hangup' }));
    await stopJssip(ua);
  }, 30_000);

  it('sip.js alice calls JsSIP bob through the B2BUA: 180, answer, WebRTC media phone to phone, BYE reaches bob', async () => {
    let bobSession: RTCSession | undefined;
    const bob = jssipUa('bob', 'bob-secret', (s) => {
      bobSession = s;
      setTimeout(() => s.answer(NO_MEDIA), 300);
    });
    expect(await bob.registered).toBe(200);
    const alice = await sipjsUa('alice', 'alice-secret');
    const progress: number[] = [];
    const inviter = new Inviter(alice.ua, UserAgent.makeURI('sip:bob@127.0.0.1')!);
    await inviter.invite({
      requestDelegate: { onProgress: (r) => progress.push(r.message.statusCode ?? 0) },
    });
    await waitState(inviter, SessionState.Established);
    expect(progress).toContain(180);
    const bobEnded = new Promise<string>((r) => bobSession!.on('ended', (e) => r(e.originator)));
    const aliceMedia = (inviter.sessionDescriptionHandler as WeriftSessionDescriptionHandler).media;
    const bobMedia = jssipPeers.at(-1)!.media;
    // Offer and answer were relayed untouched, so the two werift peers do ICE + DTLS with each other.
    await until('bob hears alice', () => bobMedia.packetsReceived >= 25 && bobMedia.peak > 3000, 8000);
    await until('alice hears bob', () => aliceMedia.packetsReceived >= 25 && aliceMedia.peak > 3000, 8000);
    expect(agent.metadata?.from).not.toBe('bob'); // no agent leg: signalling only
    await inviter.bye();
    expect(await bobEnded).toBe('remote');
    await waitState(inviter, SessionState.Terminated);
    await alice.ua.stop();
    await stopJssip(bob.ua);
  }, 30_000);

  it('sip.js cancels while JsSIP bob is ringing: bob sees the CANCEL, alice gets 487', async () => {
    let bobFailed: Promise<string> | undefined;
    const bob = jssipUa('bob', 'bob-secret', (s) => {
      bobFailed = new Promise((r) => s.on('failed', (e) => r(String(e.cause))));
    });
    expect(await bob.registered).toBe(200);
    const alice = await sipjsUa('alice', 'alice-secret');
    const rejected: number[] = [];
    const inviter = new Inviter(alice.ua, UserAgent.makeURI('sip:bob@127.0.0.1')!);
    const ringing = new Promise<void>((r) => {
      void inviter.invite({
        requestDelegate: {
          onProgress: (res) => res.message.statusCode === 180 && r(),
          onReject: (res) => rejected.push(res.message.statusCode ?? 0),
        },
      });
    });
    await ringing;
    await inviter.cancel();
    await until('bob saw CANCEL', () => bobFailed, 3000);
    expect(await bobFailed).toBe('Canceled');
    await waitState(inviter, SessionState.Terminated);
    await until('487 at alice', () => rejected.includes(487), 3000);
    await alice.ua.stop();
    await stopJssip(bob.ua);
  }, 30_000);

  it('a call to a known but unregistered user gets 480; to an unknown name 404', async () => {
    const alice = await sipjsUa('alice', 'alice-secret');
    const statusOf = async (target: string): Promise<number> => {
      const inviter = new Inviter(alice.ua, UserAgent.makeURI(target)!);
      return new Promise((resolve) => {
        void inviter.invite({ requestDelegate: { onReject: (r) => resolve(r.message.statusCode ?? 0) } });
      });
    };
    expect(await statusOf('sip:carol@127.0.0.1')).toBe(480);
    expect(await statusOf('sip:nobody@127.0.0.1')).toBe(404);
    await alice.ua.stop();
  }, 20_000);
});
