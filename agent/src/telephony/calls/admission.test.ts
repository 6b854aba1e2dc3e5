/** admitCall over neutral views: the decisions both back-ends take (their wire tests are in test/call-control). */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { DEFAULT_PROFILES, profilesFileSchema } from '../../config/profile-schema.js';
import { createLogger } from '../../log.js';
import { answerChallenge, formatCredentials, parseChallenge } from '../../routing/digest.js';
import { Router } from '../../routing/router.js';
import { admitCall, type Admission, type SoftphoneDirectory } from './admission.js';
import { createCallAuth } from './call-auth.js';
import type { RegistrationRoute } from './pbx-registrations.js';
import type { CallSource } from './sip-view.js';

const TOKEN_USER = '7000-5f1c9a0e2b7d4c3e8a6f0b1d2c3e4f5a';
const REGISTRAR_ADDRESS = '192.0.2.10';
const STRANGER: CallSource = { transport: 'udp', address: '198.18.0.2', port: 5060 };
const from = (address: string): CallSource => ({ transport: 'udp', address, port: 5060 });

function setup(o: { trustLoopback?: boolean; users?: boolean; registered?: string[] } = {}) {
  const clock = new ManualClock();
  const users = o.users === false ? [] : [{ username: 'alice', password: 'alice-long-secret' }];
  const router = new Router(
    profilesFileSchema.parse({
      ...DEFAULT_PROFILES,
      profiles: [{ ...DEFAULT_PROFILES.profiles[0]!, routes: ['7000', '+15551230000'] }],
      users,
      trunks: [{ name: 'carrier', sources: ['203.0.113.0/24'] }],
    }),
    { trustLoopback: o.trustLoopback ?? false },
  );
  const auth = createCallAuth({
    clock,
    log: createLogger('silent'),
    router,
    users,
    lockout: { maxFailures: 2 },
  });
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
  const registered = new Set(o.registered ?? []);
  const softphones: SoftphoneDirectory = {
    isUser: (u) => users.some((x) => x.username === u) || u === 'bob',
    hasContacts: (u) => registered.has(u),
    userOnConnection: (s) => (s.connectionId === 7 ? 'bob' : undefined),
  };
  const deps = { router, gate: auth.calls, realm: auth.realm, registrations: [registration], softphones };
  const admit = (requestUser: string | undefined, source = STRANGER, credentials: string[] = []): Admission =>
    admitCall(deps, { requestUser, source, credentials });
  return { deps, admit };
}

/** Answer the challenge in `a` as `username` with `password` (qop=auth, nc 1). */
function answer(a: Admission, username: string, password: string, uri = 'sip:7000@gw'): string {
  if (a.kind !== 'challenge') throw new Error(`expected a challenge, got ${a.kind}`);
  const ch = parseChallenge(a.headers[0]![1])!;
  const creds = answerChallenge(ch, { username, password, method: 'INVITE', uri, cnonce: 'c', nc: 1 });
  return formatCredentials(creds);
}

describe('admitCall: the PBX-registration route', () => {
  it('a ;sbreg= parameter (or the extension alone) from a stranger opens nothing: challenge', () => {
    const { admit } = setup();
    expect(admit('7000')).toMatchObject({ kind: 'challenge', status: 401 });
    expect(admit('+15551230000').kind).toBe('challenge');
  });

  it('the secret Contact user we registered is the registration, from wherever it comes', () => {
    const { admit } = setup();
    expect(admit(TOKEN_USER)).toMatchObject({
      kind: 'agent',
      via: 'registration',
      profile: { name: 'receptionist' },
    });
    expect(admit(`${TOKEN_USER.slice(0, -1)}0`).kind).toBe('challenge');
  });

  it('a request from an address the registrar resolved to comes through the registration', () => {
    const { admit } = setup();
    expect(admit('7000', from(REGISTRAR_ADDRESS))).toMatchObject({ kind: 'agent', via: 'registration' });
    // Any number the PBX sends reaches the registration's profile (the fallback chain, written once).
    expect(admit('555', from(REGISTRAR_ADDRESS))).toMatchObject({ kind: 'agent', via: 'registration' });
  });
});

describe('admitCall: one challenge style, nonces bound to the source', () => {
  it('401 with WWW-Authenticate, SHA-256 then MD5; the right answer from the same address is admitted', () => {
    const { admit } = setup();
    const ch = admit('7000');
    expect(ch).toMatchObject({ kind: 'challenge', status: 401 });
    if (ch.kind !== 'challenge') return;
    expect(ch.headers.map(([n]) => n)).toEqual(['WWW-Authenticate', 'WWW-Authenticate']);
    expect(ch.headers.map(([, v]) => parseChallenge(v)?.algorithm)).toEqual(['SHA-256', 'MD5']);
    const creds = answer(ch, 'alice', 'alice-long-secret');
    expect(admit('7000', STRANGER, [creds])).toMatchObject({
      kind: 'agent',
      via: 'authenticated',
      caller: 'alice',
    });
  });

  it('an answer to a nonce issued to another address is not accepted: challenged again', () => {
    const { admit } = setup();
    const creds = answer(admit('7000', from('198.18.0.9')), 'alice', 'alice-long-secret');
    expect(admit('7000', STRANGER, [creds]).kind).toBe('challenge');
  });

  it('credentials for another realm (a proxy in the path) are passed over for ours', () => {
    const { admit } = setup();
    const ours = answer(admit('7000'), 'alice', 'alice-long-secret');
    const theirs = ours.replace('realm="switchboard"', 'realm="pbx.example.com"');
    expect(admit('7000', STRANGER, [theirs, ours]).kind).toBe('agent');
  });

  it('nothing to authenticate against: 403, not a challenge', () => {
    const { admit } = setup({ users: false });
    expect(admit('7000')).toMatchObject({ kind: 'reject', status: 403, reason: 'source not allowed' });
  });
});

describe('admitCall: loopback trust is a setting', () => {
  it('off: loopback is a stranger like any other', () => {
    const { admit } = setup({ trustLoopback: false });
    expect(admit('7000', from('127.0.0.1')).kind).toBe('challenge');
    expect(admit('alice', from('127.0.0.1')).kind).toBe('challenge');
  });

  it('on: loopback calls without authenticating; trunk sources always do', () => {
    expect(setup({ trustLoopback: true }).admit('7000', from('127.0.0.1'))).toMatchObject({
      kind: 'agent',
      via: 'trusted-source',
    });
    expect(setup().admit('7000', from('203.0.113.9')).kind).toBe('agent');
  });
});

describe('admitCall: softphone users and unknown numbers', () => {
  it('a trusted caller reaches a registered user; 480 when the user has no contact', () => {
    const { admit } = setup({ registered: ['alice'] });
    expect(admit('alice', from('203.0.113.9'))).toEqual({
      kind: 'softphone',
      user: 'alice',
      caller: undefined,
    });
    expect(setup().admit('alice', from('203.0.113.9'))).toMatchObject({ kind: 'reject', status: 480 });
  });

  it('a softphone registered over this connection calls like an authenticated user', () => {
    const { admit } = setup({ registered: ['alice'] });
    const flow: CallSource = { transport: 'ws', address: '198.18.0.2', port: 40000, connectionId: 7 };
    expect(admit('alice', flow)).toEqual({ kind: 'softphone', user: 'alice', caller: 'bob' });
    expect(admit('7000', flow)).toMatchObject({ kind: 'agent', caller: 'bob' });
  });

  it('404 for no user and for a number nobody answers, once the caller is trusted', () => {
    const { admit } = setup();
    expect(admit(undefined)).toMatchObject({ kind: 'reject', status: 404 });
    expect(admit('9999', from('203.0.113.9'))).toMatchObject({ kind: 'reject', status: 404 });
    // A stranger learns nothing about which numbers exist.
    expect(admit('9999').kind).toBe('challenge');
  });
});

describe('admitCall: failed authentication locks the source out', () => {
  it('after the failures allowed, the source gets 403 without a challenge', () => {
    const { admit } = setup();
    const wrong = () => admit('7000', STRANGER, [answer(admit('7000'), 'alice', 'not-her-password')]);
    expect(wrong()).toMatchObject({ kind: 'reject', status: 403, reason: 'authentication failed' });
    expect(wrong()).toMatchObject({ kind: 'reject', status: 403 });
    expect(admit('7000')).toMatchObject({
      kind: 'reject',
      status: 403,
      reason: 'locked out after failed authentication',
    });
  });
});
