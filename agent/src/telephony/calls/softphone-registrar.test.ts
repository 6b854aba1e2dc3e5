import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { createLogger } from '../../log.js';
import {
  answerChallenge,
  formatCredentials,
  pickChallenge,
  type DigestAlgorithm,
} from '../../routing/digest.js';
import { AuthLockout } from '../../routing/auth-lockout.js';
import { DigestGate } from '../../routing/digest-gate.js';
import { DigestVerifier } from '../../routing/digest-verifier.js';
import { Registrar } from './softphone-registrar.js';
import type { CallSource, RegisterRequest, SipReply } from './sip-view.js';

const USERS = new Map([
  ['alice', { password: 'alice-secret' }],
  ['bob', { password: 'bob-secret' }],
]);

function setup() {
  const clock = new ManualClock();
  clock.advance(1_000_000);
  const registrar = new Registrar({
    clock,
    log: createLogger('silent'),
    isUser: (u) => USERS.has(u),
    gate: new DigestGate(
      new DigestVerifier({ realm: 'switchboard', clock, lookup: (u) => USERS.get(u) }),
      new AuthLockout({ clock }),
      (u) => USERS.get(u),
    ),
    minExpires: 60,
    maxExpires: 3600,
  });
  return { clock, registrar };
}

const WS1: CallSource = { transport: 'ws', address: '127.0.0.1', port: 40001, connectionId: 1 };
const WS2: CallSource = { transport: 'ws', address: '127.0.0.1', port: 40002, connectionId: 2 };

let cseq = 1;
function register(
  user: string,
  o: { contact?: string; expires?: string; auth?: string; callId?: string } = {},
  source: CallSource = WS1,
): RegisterRequest {
  return {
    user,
    contacts: [o.contact ?? `<sip:x1@abc.invalid;transport=ws>`],
    expires: o.expires,
    authorization: o.auth,
    callId: o.callId ?? 'reg-call',
    cseq: cseq++,
    supported: [],
    source,
  };
}

/** Header values of a reply, by name (any case). */
const all = (r: SipReply, name: string): string[] =>
  r.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

/** REGISTER → 401 → answer the challenge with this password → the second response. */
function registerWithAuth(
  registrar: Registrar,
  user: string,
  password: string,
  source: CallSource,
  o: { contact?: string; expires?: string; algorithm?: DigestAlgorithm } = {},
): { first: SipReply; second: SipReply } {
  const first = registrar.register(register(user, o, source)).reply;
  const headers = all(first, 'www-authenticate');
  const challenge = o.algorithm
    ? headers.map((h) => pickChallenge([h])).find((c) => c?.algorithm === o.algorithm)
    : pickChallenge(headers);
  if (!challenge) throw new Error(`no challenge in ${first.status}`);
  const creds = answerChallenge(challenge, {
    username: user,
    password,
    method: 'REGISTER',
    uri: 'sip:127.0.0.1',
    cnonce: 'c0ffee',
    nc: 1,
  });
  const second = registrar.register(register(user, { ...o, auth: formatCredentials(creds) }, source)).reply;
  return { first, second };
}

describe('Registrar', () => {
  it('challenges a REGISTER without credentials with 401, offering SHA-256 and MD5', () => {
    const { registrar } = setup();
    const res = registrar.register(register('alice')).reply;
    expect(res.status).toBe(401);
    const offered = all(res, 'www-authenticate').map((h) => pickChallenge([h])?.algorithm);
    expect(offered).toEqual(['SHA-256', 'MD5']);
    expect(registrar.contactsFor('alice')).toEqual([]);
  });

  it.each(['MD5', 'SHA-256'] as const)('accepts the right password with %s and binds the contact', (alg) => {
    const { registrar } = setup();
    const { second } = registerWithAuth(registrar, 'alice', 'alice-secret', WS1, { algorithm: alg });
    expect(second.status).toBe(200);
    expect(all(second, 'contact')[0]).toMatch(/^<sip:x1@abc\.invalid;transport=ws>;expires=600$/);
    const [b] = registrar.contactsFor('alice');
    expect(b?.flow).toEqual(WS1);
  });

  it('answers a wrong password with 403 and binds nothing', () => {
    const { registrar } = setup();
    const { second } = registerWithAuth(registrar, 'alice', 'wrong', WS1);
    expect(second.status).toBe(403);
    expect(registrar.contactsFor('alice')).toEqual([]);
  });

  it("refuses to bind another user's AoR (authenticated as bob, To alice): 403", () => {
    const { registrar } = setup();
    const first = registrar.register(register('alice')).reply;
    const ch = pickChallenge(all(first, 'www-authenticate'))!;
    const creds = answerChallenge(ch, {
      username: 'bob',
      password: 'bob-secret',
      method: 'REGISTER',
      uri: 'sip:127.0.0.1',
      cnonce: 'c',
      nc: 1,
    });
    const res = registrar.register(register('alice', { auth: formatCredentials(creds) })).reply;
    expect(res.status).toBe(403);
  });

  it('asks for at least Min-Expires with 423 when Expires is too brief', () => {
    const { registrar } = setup();
    const { second } = registerWithAuth(registrar, 'alice', 'alice-secret', WS1, { expires: '30' });
    expect(second.status).toBe(423);
    expect(second.reason).toBe('Interval Too Brief');
    expect(all(second, 'min-expires')).toEqual(['60']);
    expect(registrar.contactsFor('alice')).toEqual([]);
  });

  it('caps Expires at the maximum and lets the binding expire on the clock', () => {
    const { registrar, clock } = setup();
    const { second } = registerWithAuth(registrar, 'alice', 'alice-secret', WS1, { expires: '99999' });
    expect(all(second, 'contact')[0]).toMatch(/;expires=3600$/);
    clock.advance(3_599_000);
    expect(registrar.contactsFor('alice')).toHaveLength(1);
    clock.advance(2_000);
    expect(registrar.contactsFor('alice')).toHaveLength(0);
  });

  it('keeps several contacts per user and removes one with Expires: 0', () => {
    const { registrar } = setup();
    registerWithAuth(registrar, 'bob', 'bob-secret', WS1, { contact: '<sip:b1@one.invalid;transport=ws>' });
    const two = registerWithAuth(registrar, 'bob', 'bob-secret', WS2, {
      contact: '<sip:b2@two.invalid;transport=ws>',
    });
    expect(all(two.second, 'contact')).toHaveLength(2);
    expect(registrar.contactsFor('bob').map((b) => b.contact)).toEqual([
      'sip:b2@two.invalid;transport=ws',
      'sip:b1@one.invalid;transport=ws',
    ]);
    const un = registerWithAuth(registrar, 'bob', 'bob-secret', WS1, {
      contact: '<sip:b1@one.invalid;transport=ws>',
      expires: '0',
    });
    expect(un.second.status).toBe(200);
    expect(registrar.contactsFor('bob').map((b) => b.contact)).toEqual(['sip:b2@two.invalid;transport=ws']);
  });

  it('removes every contact with Contact: * and Expires: 0', () => {
    const { registrar } = setup();
    registerWithAuth(registrar, 'bob', 'bob-secret', WS1, { contact: '<sip:b1@one.invalid;transport=ws>' });
    registerWithAuth(registrar, 'bob', 'bob-secret', WS2, { contact: '<sip:b2@two.invalid;transport=ws>' });
    const { second } = registerWithAuth(registrar, 'bob', 'bob-secret', WS1, { contact: '*', expires: '0' });
    expect(second.status).toBe(200);
    expect(registrar.contactsFor('bob')).toEqual([]);
  });

  it('replaces a binding by +sip.instance/reg-id when the UA re-registers from a new connection', () => {
    const { registrar } = setup();
    const inst = ';+sip.instance="<urn:uuid:1>";reg-id=1';
    registerWithAuth(registrar, 'alice', 'alice-secret', WS1, {
      contact: `<sip:a@one.invalid;transport=ws>${inst}`,
    });
    registerWithAuth(registrar, 'alice', 'alice-secret', WS2, {
      contact: `<sip:a@two.invalid;transport=ws>${inst}`,
    });
    const list = registrar.contactsFor('alice');
    expect(list).toHaveLength(1);
    expect(list[0]?.flow.connectionId).toBe(2);
  });

  it('drops the bindings made over a connection when it closes, and only those', () => {
    const { registrar } = setup();
    registerWithAuth(registrar, 'alice', 'alice-secret', WS1, {
      contact: '<sip:a1@one.invalid;transport=ws>',
    });
    registerWithAuth(registrar, 'bob', 'bob-secret', WS2, { contact: '<sip:b2@two.invalid;transport=ws>' });
    expect(registrar.userOnConnection(WS1)).toBe('alice');
    registrar.dropConnection(WS1);
    expect(registrar.contactsFor('alice')).toEqual([]);
    expect(registrar.contactsFor('bob')).toHaveLength(1);
    expect(registrar.userOnConnection(WS1)).toBeUndefined();
    expect(registrar.list()).toEqual([
      { user: 'bob', contact: 'sip:b2@two.invalid;transport=ws', transport: 'ws', expiresInS: 600 },
    ]);
  });

  it('challenges again with stale=true when the nonce expired', () => {
    const { registrar, clock } = setup();
    const first = registrar.register(register('alice')).reply;
    const ch = pickChallenge(all(first, 'www-authenticate'))!;
    clock.advance(301_000);
    const creds = answerChallenge(ch, {
      username: 'alice',
      password: 'alice-secret',
      method: 'REGISTER',
      uri: 'sip:127.0.0.1',
      cnonce: 'c',
      nc: 1,
    });
    const res = registrar.register(register('alice', { auth: formatCredentials(creds) })).reply;
    expect(res.status).toBe(401);
    expect(all(res, 'www-authenticate')[0]).toMatch(/stale=TRUE/);
  });
});
