/** RegistrationClient state machine with a ManualClock and a scripted registrar (no sockets). */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { registrationSchema } from '../../config/profile-schema.js';
import { createLogger } from '../../log.js';
import { computeDigestResponse, parseCredentials } from '../../routing/digest.js';
import {
  RegistrationClient,
  type RegisterMessage,
  type RegisterReply,
  type RegistrationState,
} from './registration-client.js';

const reg = registrationSchema.parse({
  registrar: 'sip:pbx.test:5060',
  user: '7000',
  password: 'pw',
  expires: 300,
});

/** A registrar that challenges (SHA-256) and checks the digest, or is "down" (408). */
function registrar(clock: ManualClock) {
  const seen: RegisterMessage[] = [];
  let down = false;
  let password = 'pw';
  const header = (m: RegisterMessage, n: string) => m.headers.find(([k]) => k.toLowerCase() === n)?.[1];
  const send = async (m: RegisterMessage): Promise<RegisterReply> => {
    seen.push(m);
    await Promise.resolve();
    if (down) return { status: 408, reason: 'Request Timeout', headers: [] };
    const auth = header(m, 'authorization');
    if (!auth)
      return {
        status: 401,
        reason: 'Unauthorized',
        headers: [
          ['www-authenticate', `Digest realm="pbx", nonce="n${clock.now()}", algorithm=SHA-256, qop="auth"`],
        ],
      };
    const c = parseCredentials(auth)!;
    const want = computeDigestResponse({ ...c, password, method: 'REGISTER' });
    if (want !== c.response) return { status: 403, reason: 'Forbidden', headers: [] };
    return {
      status: 200,
      reason: 'OK',
      headers: [['contact', `<sip:7000@127.0.0.1:5060;sbreg=r0>;expires=${header(m, 'expires')}`]],
    };
  };
  return { seen, send, setDown: (d: boolean) => (down = d), setPassword: (p: string) => (password = p) };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function client(clock: ManualClock, r: ReturnType<typeof registrar>, random = () => 1) {
  const states: RegistrationState[] = [];
  const c = new RegistrationClient({
    id: 'r0',
    registration: reg,
    sender: { send: r.send, contactUri: () => 'sip:7000@127.0.0.1:5060;sbreg=r0' },
    clock,
    log: createLogger('silent'),
    backoffBaseMs: 1000,
    backoffMaxMs: 8000,
    random,
    onStateChange: (s) => states.push(s.state),
  });
  return { c, states };
}

describe('RegistrationClient', () => {
  it('answers the digest challenge (SHA-256), registers, and refreshes at 80% of the expiry', async () => {
    const clock = new ManualClock();
    const r = registrar(clock);
    const { c, states } = client(clock, r);
    c.start();
    await settle();
    expect(c.state).toBe('registered');
    expect(states).toEqual(['registering', 'registered']);
    expect(r.seen).toHaveLength(2);
    expect(r.seen[1]!.headers.find(([k]) => k === 'Authorization')?.[1]).toMatch(/algorithm=SHA-256/);
    expect(c.status().expiresAt).toBe(300_000);
    clock.advance(239_999);
    expect(r.seen).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(r.seen).toHaveLength(4);
    expect(c.state).toBe('registered');
    // Same Call-ID, CSeq growing across the refresh.
    expect(new Set(r.seen.map((m) => m.headers.find(([k]) => k === 'Call-ID')?.[1])).size).toBe(1);
    expect(r.seen.map((m) => m.headers.find(([k]) => k === 'CSeq')?.[1])).toEqual([
      '1 REGISTER',
      '2 REGISTER',
      '3 REGISTER',
      '4 REGISTER',
    ]);
  });

  it('backs off exponentially with jitter while the PBX is down, then recovers', async () => {
    const clock = new ManualClock();
    const r = registrar(clock);
    r.setDown(true);
    const { c } = client(clock, r, () => 0.5); // jitter factor 0.75
    c.start();
    await settle();
    expect(c.state).toBe('backoff');
    const attemptsAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      const n = r.seen.length;
      while (r.seen.length === n) {
        clock.advance(50);
        await settle();
      }
      attemptsAt.push(clock.now());
    }
    // delays 750, 1500, 3000, 6000, 6000 (base 1000 doubling, max 8000, ×0.75)
    const gaps = attemptsAt.map((t, i) => t - (i === 0 ? 0 : attemptsAt[i - 1]!));
    expect(gaps).toEqual([750, 1500, 3000, 6000, 6000]);
    r.setDown(false);
    clock.advance(10_000);
    await settle();
    expect(c.state).toBe('registered');
    expect(c.status().failures).toBe(0);
  });

  it('wrong credentials: failed (not looping on challenges), retried later', async () => {
    const clock = new ManualClock();
    const r = registrar(clock);
    r.setPassword('other');
    const { c, states } = client(clock, r);
    c.start();
    await settle();
    expect(c.state).toBe('failed');
    expect(r.seen).toHaveLength(2);
    expect(c.status().lastStatus).toBe(403);
    r.setPassword('pw');
    clock.advance(1000);
    await settle();
    expect(c.state).toBe('registered');
    expect(states).toEqual(['registering', 'failed', 'registering', 'registered']);
  });

  it('403 again and again: retried with the back-off three times in all, then no more REGISTERs', async () => {
    const clock = new ManualClock();
    const r = registrar(clock);
    r.setPassword('other');
    const { c } = client(clock, r);
    c.start();
    for (let i = 0; i < 20; i++) {
      await settle();
      clock.advance(8000); // the back-off's ceiling here
    }
    await settle();
    expect(c.state).toBe('failed');
    expect(c.status().lastStatus).toBe(403);
    expect(r.seen).toHaveLength(6); // three attempts, each a challenge and one answer
    const sent = r.seen.length;
    clock.advance(3_600_000);
    await settle();
    expect(r.seen).toHaveLength(sent);
  });

  it('423 Interval Too Brief: again at once with Min-Expires, which the refreshes keep', async () => {
    const clock = new ManualClock();
    const r = registrar(clock);
    const seen: RegisterMessage[] = [];
    const expiresOf = (m: RegisterMessage) => m.headers.find(([k]) => k === 'Expires')?.[1];
    const send = async (m: RegisterMessage): Promise<RegisterReply> => {
      seen.push(m);
      if (Number(expiresOf(m)) < 600)
        return { status: 423, reason: 'Interval Too Brief', headers: [['min-expires', '600']] };
      return r.send(m);
    };
    const c = new RegistrationClient({
      id: 'r0',
      registration: reg,
      sender: { send, contactUri: () => 'sip:7000@127.0.0.1:5060;sbreg=r0' },
      clock,
      log: createLogger('silent'),
    });
    c.start();
    await settle();
    expect(c.state).toBe('registered');
    expect(seen.map(expiresOf)).toEqual(['300', '600', '600']); // 423, then challenge and answer
    expect(c.status().failures).toBe(0);
    clock.advance(600 * 800);
    await settle();
    expect(seen.slice(3).map(expiresOf)).toEqual(['600', '600']);
  });

  it('423 without a usable Min-Expires is a refusal, not a loop', async () => {
    const clock = new ManualClock();
    let sent = 0;
    const c = new RegistrationClient({
      id: 'r0',
      registration: reg,
      sender: {
        send: () => {
          sent++;
          return Promise.resolve({ status: 423, reason: 'Interval Too Brief', headers: [] });
        },
        contactUri: () => 'sip:7000@127.0.0.1:5060;sbreg=r0',
      },
      clock,
      log: createLogger('silent'),
    });
    c.start();
    await settle();
    expect(c.state).toBe('failed');
    expect(sent).toBe(1);
  });

  it('over UDP: an OPTIONS every 25 s while registered; two unanswered in a row register again at once', async () => {
    const clock = new ManualClock();
    const r = registrar(clock);
    let answering = true;
    let pings = 0;
    const c = new RegistrationClient({
      id: 'r0',
      registration: reg,
      sender: {
        send: r.send,
        contactUri: () => 'sip:7000@127.0.0.1:5060;sbreg=r0',
        ping: () => {
          pings++;
          return Promise.resolve(answering ? 200 : 408);
        },
      },
      clock,
      log: createLogger('silent'),
    });
    c.start();
    await settle();
    expect(c.state).toBe('registered');
    const registers = r.seen.length;
    for (let i = 0; i < 3; i++) {
      clock.advance(25_000);
      await settle();
    }
    expect(pings).toBe(3);
    expect(r.seen).toHaveLength(registers); // answered: nothing else sent
    answering = false;
    clock.advance(25_000);
    await settle();
    expect(r.seen).toHaveLength(registers); // one miss is not enough
    clock.advance(25_000);
    await settle();
    expect(pings).toBe(5);
    expect(r.seen.length).toBeGreaterThan(registers); // registered again without waiting for the refresh
    expect(c.state).toBe('registered');
    await c.stop();
    const after = pings;
    clock.advance(100_000);
    await settle();
    expect(pings).toBe(after);
  });

  it('stop() un-REGISTERs with Expires: 0 and ends unregistered', async () => {
    const clock = new ManualClock();
    const r = registrar(clock);
    const { c } = client(clock, r);
    c.start();
    await settle();
    await c.stop();
    expect(c.state).toBe('unregistered');
    const last = r.seen.at(-1)!;
    expect(last.headers.find(([k]) => k === 'Expires')?.[1]).toBe('0');
    expect(last.headers.find(([k]) => k === 'Authorization')).toBeDefined();
  });
});
