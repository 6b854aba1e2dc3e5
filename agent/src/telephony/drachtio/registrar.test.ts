import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../audio/clock.js';
import { digestResponse, Md5DigestAuthenticator } from './digest-auth.js';
import { Registrar } from './registrar.js';
import { parseAuthParams } from './sip-utils.js';
import { FakeRequest, FakeResponse } from './testing/fakes.js';

const log = pino({ level: 'silent' });

function setup() {
  const clock = new ManualClock();
  const digest = new Md5DigestAuthenticator('switchboard', clock);
  const registrar = new Registrar({
    users: [{ username: 'alice', password: 'alice-pass' }],
    digest,
    clock,
    log,
  });
  const register = (headers: Record<string, string>, protocol = 'wss') => {
    const res = new FakeResponse();
    const req = new FakeRequest(
      'REGISTER',
      'sip:switchboard',
      headers,
      '198.51.100.20',
      '',
      'reg-1',
      protocol,
      50123,
    );
    registrar.handleRegister(req, res);
    return res.last!;
  };
  const auth = (nonce: string, user = 'alice', password = 'alice-pass') =>
    digestResponse({
      username: user,
      password,
      realm: 'switchboard',
      method: 'REGISTER',
      uri: 'sip:switchboard',
      nonce,
    });
  return { clock, registrar, register, auth };
}

const base = {
  To: '<sip:alice@switchboard>',
  From: '<sip:alice@switchboard>;tag=1',
  Contact: '<sip:x1@abc.invalid;transport=ws>',
  Expires: '600',
};

describe('softphone registrar', () => {
  it('challenges, accepts the right credentials, stores the contact with its expiry and forgets it after', () => {
    const { clock, registrar, register, auth } = setup();
    const challenge = register(base);
    expect(challenge.status).toBe(401);
    const { nonce } = parseAuthParams(challenge.headers['WWW-Authenticate']!);
    const ok = register({ ...base, Authorization: auth(nonce!) });
    expect(ok.status).toBe(200);
    expect(ok.headers.Contact).toBe('<sip:x1@abc.invalid;transport=ws>;expires=600');
    expect(registrar.lookup('alice')).toMatchObject({
      contact: 'sip:x1@abc.invalid;transport=ws',
      protocol: 'wss',
    });
    expect(registrar.lookup('alice')?.proxy).toBeUndefined();
    clock.advance(599_000);
    expect(registrar.count).toBe(1);
    clock.advance(1_000);
    expect(registrar.lookup('alice')).toBeUndefined();
    expect(registrar.count).toBe(0);
  });

  it('refuses wrong passwords and credentials for another user; unregisters with expires=0', () => {
    const { registrar, register, auth } = setup();
    const { nonce } = parseAuthParams(register(base).headers['WWW-Authenticate']!);
    expect(register({ ...base, Authorization: auth(nonce!, 'alice', 'wrong') }).status).toBe(403);
    expect(register({ ...base, To: '<sip:bob@switchboard>', Authorization: auth(nonce!) }).status).toBe(403);
    expect(register({ ...base, Authorization: auth(nonce!) }).status).toBe(200);
    expect(register({ ...base, Expires: '0', Authorization: auth(nonce!) }).status).toBe(200);
    expect(registrar.lookup('alice')).toBeUndefined();
  });

  it('UDP contacts are reached through the address the REGISTER came from; too-short expiry gets 423', () => {
    const { registrar, register, auth } = setup();
    const { nonce } = parseAuthParams(register(base).headers['WWW-Authenticate']!);
    const udp = { ...base, Contact: '<sip:alice@10.0.0.5:5060>' };
    expect(register({ ...udp, Expires: '10', Authorization: auth(nonce!) }, 'udp')).toMatchObject({
      status: 423,
      headers: { 'Min-Expires': '60' },
    });
    expect(register({ ...udp, Authorization: auth(nonce!) }, 'udp').status).toBe(200);
    expect(registrar.lookup('alice')?.proxy).toBe('sip:198.51.100.20:50123;transport=udp');
  });

  it('stale nonces are re-challenged with stale=true', () => {
    const { clock, register, auth } = setup();
    const { nonce } = parseAuthParams(register(base).headers['WWW-Authenticate']!);
    clock.advance(301_000);
    const res = register({ ...base, Authorization: auth(nonce!) });
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toMatch(/stale=true/i);
  });
});
