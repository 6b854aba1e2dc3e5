/**
 * SIP over WebSocket (RFC 7118) on the embedded gateway, with exact messages from a bare WS client:
 * the handshake, keep-alives, digest REGISTER over ws and wss, bindings dropped with their connection,
 * REGISTER rate limiting, INVITE admission on a WS flow (401 / trusted after REGISTER), plain-RTP media
 * picked for an RTP/AVP offer, and the wss config error.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../time/clock.js';
import { ConfigError } from '../../config/load.js';
import { envSchema } from '../../config/env-schema.js';
import { createLogger } from '../../log.js';
import { answerChallenge, formatCredentials, pickChallenge } from '../../routing/digest.js';
import { Router } from '../../routing/router.js';
import { embeddedMediaFactory, loadSipTls } from './start.js';
import { SipGateway, type SipGatewayOptions } from './gateway.js';
import { SipWsConfigError } from './sip/ws-listener.js';
import { testProfiles } from './testing/gateway-harness.js';
import { rawWs, until, type RawWs } from './testing/raw-ws-sip.js';
import { ForkRecorder } from './webrtc/testing/fork-recorder.js';

const USERS = [
  { username: 'alice', password: 'alice-secret' },
  { username: 'bob', password: 'bob-secret' },
];
const log = createLogger(process.env.SIP_TEST_LOG ?? 'silent');

function gatewayOptions(
  extra: Partial<SipGatewayOptions> & { createMedia: SipGatewayOptions['createMedia'] },
) {
  return {
    host: '127.0.0.1',
    port: 0,
    transports: ['ws'],
    router: new Router(testProfiles({ users: USERS }), { trustLoopback: false }),
    registrations: [],
    users: USERS,
    clock: systemClock,
    log,
    ...extra,
  } satisfies SipGatewayOptions;
}

let seq = 1;
function sip(
  method: string,
  o: { user?: string; ruri?: string; headers?: string[]; body?: string; callId?: string } = {},
) {
  const user = o.user ?? 'alice';
  const body = o.body ?? '';
  return [
    `${method} ${o.ruri ?? 'sip:127.0.0.1'} SIP/2.0`,
    `Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`,
    `From: <sip:${user}@127.0.0.1>;tag=raw${seq}`,
    `To: <${method === 'REGISTER' ? `sip:${user}@127.0.0.1` : (o.ruri ?? 'sip:127.0.0.1')}>`,
    `Call-ID: ${o.callId ?? `raw-${method}-${seq}`}`,
    `CSeq: ${seq++} ${method}`,
    'Max-Forwards: 70',
    `Contact: <sip:${user}x@df7jal23ls0d.invalid;transport=ws>`,
    ...(o.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** REGISTER, answer the 401 with the password, return the final response text. */
async function registerRaw(c: RawWs, user: string, password: string, expires = 300): Promise<string> {
  const from = c.frames.length;
  const callId = `reg-${user}-${Math.random()}`;
  c.send(sip('REGISTER', { user, callId, headers: [`Expires: ${expires}`] }));
  const challenge = await c.waitFor(/^SIP\/2\.0 401/, 3000, from);
  const ch = pickChallenge(
    challenge
      .split('\r\n')
      .filter((l) => /^WWW-Authenticate:/i.test(l))
      .map((l) => l.slice(l.indexOf(':') + 1)),
  )!;
  const creds = answerChallenge(ch, {
    username: user,
    password,
    method: 'REGISTER',
    uri: 'sip:127.0.0.1',
    cnonce: 'abc',
    nc: 1,
  });
  const at = c.frames.length;
  c.send(
    sip('REGISTER', {
      user,
      callId,
      headers: [`Expires: ${expires}`, `Authorization: ${formatCredentials(creds)}`],
    }),
  );
  return c.waitFor(/^SIP\/2\.0 [2-6]\d\d/, 3000, at);
}

describe('SIP over WebSocket (ws://)', () => {
  let gateway: SipGateway;
  let agent: ForkRecorder;
  const url = 'ws://127.0.0.1:18061';

  beforeAll(async () => {
    agent = await ForkRecorder.listen(0);
    gateway = new SipGateway(
      gatewayOptions({
        wsPort: 18061,
        createMedia: embeddedMediaFactory({
          host: '127.0.0.1',
          rtpPorts: { min: 29400, max: 29499 },
          fork: { url: agent.url },
          log,
          clock: systemClock,
        }),
      }),
    );
    await gateway.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await agent?.close();
  });

  it('refuses a WebSocket handshake that does not offer the sip subprotocol (400)', async () => {
    await expect(rawWs(url, ['chat'])).rejects.toThrow(/HTTP 400/);
    await expect(rawWs(url, [])).rejects.toThrow(/HTTP 400/);
  });

  it('answers OPTIONS in one text frame with Via received/rport stamped, and CRLF keep-alives with CRLF', async () => {
    const c = await rawWs(url);
    c.send('\r\n\r\n');
    await c.waitFor(/^\r\n$/);
    c.send(sip('OPTIONS'));
    const res = await c.waitFor(/^SIP\/2\.0 200/);
    expect(res).toMatch(
      /^Via: SIP\/2\.0\/WS df7jal23ls0d\.invalid;branch=[^;]+;rport=\d+;received=127\.0\.0\.1$/m,
    );
    expect(res).toMatch(/^Allow: .*REGISTER/m);
    await c.close();
  });

  it('registers with digest over ws, lists the binding, and drops it when the connection closes', async () => {
    const c = await rawWs(url);
    const ok = await registerRaw(c, 'alice', 'alice-secret');
    expect(ok).toMatch(/^SIP\/2\.0 200/);
    expect(ok).toMatch(/^Contact: <sip:alicex@df7jal23ls0d\.invalid;transport=ws>;expires=300$/m);
    expect(gateway.registeredUsers()).toEqual([
      {
        user: 'alice',
        contact: 'sip:alicex@df7jal23ls0d.invalid;transport=ws',
        transport: 'ws',
        expiresInS: 300,
      },
    ]);
    await c.close();
    await until('binding dropped', () => gateway.registeredUsers().length === 0, 3000);
  });

  it('answers a wrong password with 403', async () => {
    const c = await rawWs(url);
    expect(await registerRaw(c, 'bob', 'not-bobs')).toMatch(/^SIP\/2\.0 403/);
    await c.close();
  });

  it('challenges an INVITE to the agent from an unregistered WS flow (401), trusts it once registered there, and picks plain RTP for an RTP/AVP offer', async () => {
    const c = await rawWs(url);
    const offer =
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 21100 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
    const invite = (callId: string) =>
      sip('INVITE', {
        ruri: 'sip:7000@127.0.0.1',
        callId,
        body: offer,
        headers: ['Content-Type: application/sdp'],
      });
    c.send(invite('ws-call-1'));
    await c.waitFor(/^SIP\/2\.0 401[\s\S]*WWW-Authenticate: Digest/);
    await registerRaw(c, 'alice', 'alice-secret');
    const at = c.frames.length;
    c.send(invite('ws-call-2'));
    const ok = await c.waitFor(/^SIP\/2\.0 200/, 3000, at);
    expect(ok).toMatch(/^Call-ID: ws-call-2$/m);
    expect(ok).toMatch(/^Contact: <sip:switchboard@127\.0\.0\.1:18061;transport=ws>$/m);
    expect(ok).toMatch(/^m=audio 29[4-9]\d\d RTP\/AVP 0/m);
    const toTag = /^To: .*;tag=([^;\s]+)/m.exec(ok)![1]!;
    const inDialog = (method: string, cseq: number) =>
      [
        `${method} sip:switchboard@127.0.0.1:18061;transport=ws SIP/2.0`,
        `Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK${method}${cseq}x;rport`,
        `From: <sip:alice@127.0.0.1>;tag=raw${/CSeq: (\d+) INVITE/.exec(ok)![1]}`,
        `To: <sip:7000@127.0.0.1>;tag=${toTag}`,
        'Call-ID: ws-call-2',
        `CSeq: ${cseq} ${method}`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const inviteSeq = Number(/^CSeq: (\d+) INVITE/m.exec(ok)![1]);
    c.send(inDialog('ACK', inviteSeq));
    await until('fork metadata', () => agent.metadata, 5000);
    expect(agent.metadata).toMatchObject({ callId: 'ws-call-2', to: '7000', codec: 'PCMU' });
    const before = c.frames.length;
    c.send(inDialog('BYE', inviteSeq + 1));
    await c.waitFor(/^SIP\/2\.0 200[\s\S]*CSeq: \d+ BYE/, 3000, before);
    await c.close();
  });

  it('sends in-dialog requests to a registered WS contact over its connection (.invalid host): a call to the user rings there', async () => {
    const bob = await rawWs(url);
    await registerRaw(bob, 'bob', 'bob-secret');
    const alice = await rawWs(url);
    await registerRaw(alice, 'alice', 'alice-secret');
    const at = alice.frames.length;
    alice.send(
      sip('INVITE', {
        ruri: 'sip:bob@127.0.0.1',
        callId: 'ring-bob',
        body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
        headers: ['Content-Type: application/sdp'],
      }),
    );
    const forked = await bob.waitFor(/^INVITE sip:bobx@df7jal23ls0d\.invalid;transport=ws SIP\/2\.0/);
    expect(forked).toMatch(/^Via: SIP\/2\.0\/WS 127\.0\.0\.1:18061;branch=z9hG4bK/m);
    expect(forked).toMatch(/^From: <sip:alice@127\.0\.0\.1>;tag=/m);
    expect(forked).toMatch(/m=audio 4000 RTP\/AVP 0/); // offer relayed untouched
    await bob.close(); // bob's phone goes away while ringing: the branch fails at once, alice gets 480
    const final = await alice.waitFor(/^SIP\/2\.0 [4-6]\d\d/, 3000, at);
    expect(final).toMatch(/^SIP\/2\.0 480 Temporarily Unavailable/);
    expect(final).toMatch(/^Call-ID: ring-bob$/m);
    await alice.close();
  });
});

describe('REGISTER rate limit on WS', () => {
  it('answers 503 with Retry-After once the per-source budget is spent', async () => {
    const gateway = new SipGateway(
      gatewayOptions({
        wsPort: 18062,
        rateLimit: { perSecond: 0.5, burst: 2, action: 'reject' },
        createMedia: () => {
          throw new Error('no calls here');
        },
      }),
    );
    await gateway.start();
    try {
      const c = await rawWs('ws://127.0.0.1:18062');
      for (let i = 0; i < 3; i++) c.send(sip('REGISTER', { user: 'alice' }));
      const limited = await c.waitFor(/^SIP\/2\.0 503/);
      expect(limited).toMatch(/^Retry-After: \d+$/m);
      expect(c.frames.filter((f) => /^SIP\/2\.0 401/.test(f))).toHaveLength(2);
      await c.close();
    } finally {
      await gateway.stop();
    }
  });
});

describe('SIP over secure WebSocket (wss://)', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-wss-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore', timeout: 20_000 },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    key = readFileSync(join(dir, 'key.pem'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('registers with digest over wss with a certificate made at test time (verified against it as CA)', async () => {
    const gateway = new SipGateway(
      gatewayOptions({
        transports: ['wss'],
        wssPort: 18063,
        tls: { cert, key },
        createMedia: () => {
          throw new Error('none');
        },
      }),
    );
    await gateway.start();
    try {
      expect(gateway.localPort('wss')).toBe(18063);
      await expect(rawWs('wss://127.0.0.1:18063')).rejects.toThrow(/self[- ]signed/i); // not trusted without the CA
      const c = await rawWs('wss://127.0.0.1:18063', ['sip'], { ca: cert });
      expect(await registerRaw(c, 'alice', 'alice-secret')).toMatch(/^SIP\/2\.0 200/);
      expect(gateway.registeredUsers()[0]).toMatchObject({ user: 'alice', transport: 'wss' });
      await c.close();
    } finally {
      await gateway.stop();
    }
  });

  it('refuses to start wss without a certificate: SipWsConfigError, and ConfigError from the env', () => {
    expect(
      () =>
        new SipGateway(
          gatewayOptions({
            transports: ['wss'],
            createMedia: () => {
              throw new Error('none');
            },
          }),
        ),
    ).toThrow(SipWsConfigError);
    const env = envSchema.parse({ SWITCHBOARD_SIP_TRANSPORTS: 'udp,wss' });
    expect(() => loadSipTls(env)).toThrow(ConfigError);
    expect(() => loadSipTls(env)).toThrow(/SWITCHBOARD_TLS_CERT/);
    const ok = envSchema.parse({
      SWITCHBOARD_SIP_TRANSPORTS: 'wss',
      SWITCHBOARD_TLS_CERT: join(dir, 'cert.pem'),
      SWITCHBOARD_TLS_KEY: join(dir, 'key.pem'),
    });
    expect(loadSipTls(ok)?.cert.equals(cert)).toBe(true);
    const missing = envSchema.parse({
      SWITCHBOARD_SIP_TRANSPORTS: 'wss',
      SWITCHBOARD_TLS_CERT: '/nonexistent.pem',
      SWITCHBOARD_TLS_KEY: '/nonexistent.pem',
    });
    expect(() => loadSipTls(missing)).toThrow(/cannot read/);
  });
});
