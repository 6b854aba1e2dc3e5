import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../audio/clock.js';
import { AuthLockout } from '../../routing/auth-lockout.js';
import { DigestGate } from '../../routing/digest-gate.js';
import { DigestVerifier } from '../../routing/digest-verifier.js';
import { Router } from '../../routing/router.js';
import { admitInvite, admitUserCall, type RegistrationRoute } from './invite-admission.js';
import { parseMessage } from './sip/codec.js';
import type { SipRequest } from './sip/message.js';
import type { SipPeer } from './sip/transport.js';
import { testProfiles } from './testing/gateway-harness.js';
import { inviteText } from './testing/raw-sip-client.js';

const TOKEN_USER = '7000-5f1c9a0e2b7d4c3e8a6f0b1d2c3e4f5a';
const REGISTRAR_ADDRESS = '192.0.2.10';
const STRANGER: SipPeer = { transport: 'udp', address: '198.18.0.2', port: 5060 };

function setup(o: { trustLoopback?: boolean } = {}) {
  const clock = new ManualClock();
  const router = new Router(
    testProfiles({
      users: [{ username: 'alice', password: 'alice-long-secret' }],
      trunks: [{ name: 'carrier', sources: ['203.0.113.0/24'] }],
    }),
    { trustLoopback: o.trustLoopback ?? false },
  );
  const lookup = (u: string) => router.credentialFor(u);
  const lockout = new AuthLockout({ clock, maxFailures: 2 });
  const gate = new DigestGate(new DigestVerifier({ realm: 'switchboard', clock, lookup }), lockout, lookup);
  const registration: RegistrationRoute = {
    registration: {
      registrar: 'sip:pbx.example.com',
      user: '7000',
      password: 'pbx',
      transport: 'udp',
      expires: 300,
      profile: 'receptionist',
    },
    contactUser: TOKEN_USER,
    addresses: () => [REGISTRAR_ADDRESS],
  };
  return { deps: { router, gate, registrations: [registration] }, lockout };
}

function invite(uri: string): SipRequest {
  const text = inviteText().replace(/^INVITE \S+ /, `INVITE ${uri} `);
  const parsed = parseMessage(text);
  if (!parsed.ok || parsed.message.kind !== 'request') throw new Error('bad fixture');
  return parsed.message;
}

const from = (address: string): SipPeer => ({ transport: 'udp', address, port: 5060 });

describe('admitInvite: the PBX-registration route', () => {
  it('a ;sbreg= parameter (or the extension alone) from a stranger opens nothing: challenge', () => {
    const { deps } = setup();
    for (const uri of ['sip:7000@gw;sbreg=r0', 'sip:+15551230000@gw;sbreg=r0', 'sip:7000@gw']) {
      expect(admitInvite(deps, invite(uri), STRANGER)).toEqual({ kind: 'challenge', stale: false });
    }
  });

  it('the secret Contact user we registered is the registration, from wherever it comes', () => {
    const { deps } = setup();
    expect(admitInvite(deps, invite(`sip:${TOKEN_USER}@gw`), STRANGER)).toMatchObject({
      kind: 'accept',
      via: 'registration',
      profile: { name: 'receptionist' },
    });
    expect(admitInvite(deps, invite(`sip:${TOKEN_USER.slice(0, -1)}0@gw`), STRANGER).kind).toBe('challenge');
  });

  it('a request from an address the registrar resolved to comes through the registration', () => {
    const { deps } = setup();
    expect(admitInvite(deps, invite('sip:7000@gw'), from(REGISTRAR_ADDRESS))).toMatchObject({
      kind: 'accept',
      via: 'registration',
    });
  });
});

describe('admitInvite: loopback trust is a setting', () => {
  it('off: loopback is a stranger like any other', () => {
    const { deps } = setup({ trustLoopback: false });
    expect(admitInvite(deps, invite('sip:7000@gw'), from('127.0.0.1'))).toEqual({
      kind: 'challenge',
      stale: false,
    });
    expect(admitUserCall(deps, invite('sip:alice@gw'), from('127.0.0.1')).kind).toBe('challenge');
  });

  it('on: loopback calls without authenticating; trunk sources always do', () => {
    const { deps } = setup({ trustLoopback: true });
    expect(admitInvite(deps, invite('sip:7000@gw'), from('127.0.0.1'))).toMatchObject({
      kind: 'accept',
      via: 'route',
    });
    expect(admitInvite(setup().deps, invite('sip:7000@gw'), from('203.0.113.9')).kind).toBe('accept');
  });
});

describe('admitInvite: failed authentication locks the source out', () => {
  it('after the failures allowed, the source gets 403 without a challenge', () => {
    const { deps } = setup();
    const wrong = (n: number) => {
      const req = invite('sip:7000@gw');
      const nonce = /nonce="([^"]+)"/.exec(deps.gate.challenges(false, STRANGER.address)[0]!)![1];
      req.headers.append(
        'Proxy-Authorization',
        `Digest username="alice", realm="switchboard", nonce="${nonce}", uri="sip:7000@gw", response="${'0'.repeat(64)}", algorithm=SHA-256, qop=auth, nc=0000000${n}, cnonce="c"`,
      );
      return admitInvite(deps, req, STRANGER);
    };
    expect(wrong(1)).toMatchObject({ kind: 'reject', status: 403, reason: 'authentication failed' });
    expect(wrong(2)).toMatchObject({ kind: 'reject', status: 403 });
    expect(admitInvite(deps, invite('sip:7000@gw'), STRANGER)).toMatchObject({
      kind: 'reject',
      status: 403,
      reason: 'locked out after failed authentication',
    });
  });
});
