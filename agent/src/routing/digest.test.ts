import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import {
  answerChallenge,
  computeDigestResponse,
  formatChallenge,
  formatCredentials,
  parseChallenge,
  parseCredentials,
  pickChallenge,
} from './digest.js';
import { DigestVerifier } from './digest-verifier.js';

describe('digest response vectors', () => {
  it('RFC 2617 §3.5 (MD5, qop=auth)', () => {
    expect(
      computeDigestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };
  it('RFC 7616 §3.9.1 (MD5)', () => {
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });
  it('RFC 7616 §3.9.1 (SHA-256)', () => {
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });
});

describe('challenge and credential headers', () => {
  it('parses a challenge with quoted and bare values, and picks SHA-256 over MD5 (RFC 8760)', () => {
    const md5 = 'Digest realm="pbx", nonce="abc", algorithm=MD5, qop="auth,auth-int", opaque="o1"';
    const sha = 'Digest realm="pbx", nonce="abc", algorithm=SHA-256, qop="auth", stale=TRUE';
    expect(parseChallenge(md5)).toEqual({
      realm: 'pbx',
      nonce: 'abc',
      algorithm: 'MD5',
      qop: ['auth', 'auth-int'],
      opaque: 'o1',
    });
    expect(pickChallenge([md5, sha])?.algorithm).toBe('SHA-256');
    expect(parseChallenge(sha)?.stale).toBe(true);
    expect(parseChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseChallenge('Digest realm="x", nonce="n", algorithm=SHA-512-256')).toBeUndefined();
  });

  it('answers a challenge and round-trips the credentials header', () => {
    const ch = parseChallenge(
      formatChallenge({ realm: 'r', nonce: 'n1', algorithm: 'SHA-256', qop: ['auth'] }),
    )!;
    const creds = answerChallenge(ch, {
      username: 'u',
      password: 'p',
      method: 'REGISTER',
      uri: 'sip:pbx',
      cnonce: 'c',
      nc: 1,
    });
    expect(creds).toMatchObject({ qop: 'auth', nc: '00000001', algorithm: 'SHA-256' });
    expect(parseCredentials(formatCredentials(creds))).toEqual(creds);
  });
});

describe('DigestVerifier', () => {
  const make = (clock = new ManualClock()) => ({
    clock,
    v: new DigestVerifier({
      realm: 'switchboard',
      clock,
      nonceTtlMs: 60_000,
      lookup: (u) => (u === 'trunk1' ? { password: 'pw' } : undefined),
    }),
  });
  const answer = (v: DigestVerifier, password: string, nc = 1, alg = 0) => {
    const ch = parseChallenge(v.challenges()[alg]!)!;
    return answerChallenge(ch, {
      username: 'trunk1',
      password,
      method: 'INVITE',
      uri: 'sip:7000@gw',
      cnonce: 'cn',
      nc,
    });
  };

  it('offers SHA-256 then MD5 and accepts a correct answer to either', () => {
    const { v } = make();
    expect(v.challenges().map((c) => parseChallenge(c)?.algorithm)).toEqual(['SHA-256', 'MD5']);
    expect(v.verify(answer(v, 'pw', 1, 0), 'INVITE')).toEqual({ ok: true, username: 'trunk1' });
    expect(v.verify(answer(v, 'pw', 1, 1), 'INVITE')).toEqual({ ok: true, username: 'trunk1' });
  });
  it('refuses a wrong password, a forged nonce, a replayed nonce-count and an expired nonce (stale)', () => {
    const { v, clock } = make();
    expect(v.verify(answer(v, 'nope'), 'INVITE')).toEqual({ ok: false, reason: 'bad-response' });
    expect(v.verify({ ...answer(v, 'pw'), nonce: 'ff.aa.forged' }, 'INVITE')).toEqual({
      ok: false,
      reason: 'bad-nonce',
    });
    const once = answer(v, 'pw');
    expect(v.verify(once, 'INVITE').ok).toBe(true);
    expect(v.verify(once, 'INVITE')).toEqual({ ok: false, reason: 'replay' });
    const old = answer(v, 'pw');
    clock.advance(60_001);
    expect(v.verify(old, 'INVITE')).toEqual({ ok: false, reason: 'stale' });
  });

  it('binds the nonce to the address it was issued to: the same answer from elsewhere is refused', () => {
    const { v } = make();
    const ch = parseChallenge(v.challenges(false, '192.0.2.7')[0]!)!;
    const creds = answerChallenge(ch, {
      username: 'trunk1',
      password: 'pw',
      method: 'INVITE',
      uri: 'sip:7000@gw',
      cnonce: 'cn',
      nc: 1,
    });
    expect(v.verify(creds, 'INVITE', undefined, '198.18.0.2')).toEqual({ ok: false, reason: 'bad-nonce' });
    expect(v.verify(creds, 'INVITE', undefined, '192.0.2.7')).toEqual({ ok: true, username: 'trunk1' });
  });

  it('requires qop=auth: an RFC 2069 answer (replayable while the nonce lives) is refused', () => {
    const { v } = make();
    const nonce = parseChallenge(v.challenges()[1]!)!.nonce;
    const response = computeDigestResponse({
      algorithm: 'MD5',
      username: 'trunk1',
      realm: 'switchboard',
      password: 'pw',
      method: 'INVITE',
      uri: 'sip:7000@gw',
      nonce,
    });
    const creds = {
      username: 'trunk1',
      realm: 'switchboard',
      nonce,
      uri: 'sip:7000@gw',
      response,
      algorithm: 'MD5' as const,
    };
    expect(v.verify(creds, 'INVITE')).toEqual({ ok: false, reason: 'bad-response' });
    const legacy = new DigestVerifier({
      realm: 'switchboard',
      clock: new ManualClock(),
      requireQop: false,
      lookup: () => ({ password: 'pw' }),
    });
    const n2 = parseChallenge(legacy.challenges()[1]!)!.nonce;
    const r2 = computeDigestResponse({ ...creds, password: 'pw', method: 'INVITE', nonce: n2 });
    expect(legacy.verify({ ...creds, nonce: n2, response: r2 }, 'INVITE').ok).toBe(true);
  });

  it('nonce counts must grow per nonce; forgetting old nonces under load never reopens a replay', () => {
    const clock = new ManualClock();
    const v = new DigestVerifier({
      realm: 'switchboard',
      clock,
      maxTrackedNonces: 2,
      lookup: () => ({ password: 'pw' }),
    });
    const answerFor = (header: string, nc: number) =>
      answerChallenge(parseChallenge(header)!, {
        username: 'trunk1',
        password: 'pw',
        method: 'INVITE',
        uri: 'sip:7000@gw',
        cnonce: 'cn',
        nc,
      });
    const first = v.challenges()[0]!;
    const captured = answerFor(first, 1);
    expect(v.verify(captured, 'INVITE').ok).toBe(true);
    expect(v.verify(answerFor(first, 2), 'INVITE').ok).toBe(true);
    expect(v.verify(answerFor(first, 2), 'INVITE')).toEqual({ ok: false, reason: 'replay' });
    // An attacker floods the table with fresh nonces of its own so the first one is forgotten...
    for (let i = 0; i < 5; i++) {
      clock.advance(1);
      expect(v.verify(answerFor(v.challenges()[0]!, 1), 'INVITE').ok).toBe(true);
    }
    // ...and replays the captured answer: refused as stale (ask again), never accepted.
    expect(v.verify(captured, 'INVITE')).toEqual({ ok: false, reason: 'stale' });
  });
});
