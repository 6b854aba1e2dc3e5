/** Transaction timers driven by a ManualClock: G doubling to T2, H giving up, I, J, E/F. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../time/clock.js';
import { NonInviteClientTransaction } from './client-transaction.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { SipHeaders } from './headers.js';
import type { SipRequest, SipResponse } from './message.js';
import { InviteServerTransaction, NonInviteServerTransaction } from './server-transaction.js';
import { DEFAULT_TIMERS } from './timers.js';

const res = (status: number): SipResponse => ({
  kind: 'response',
  status,
  reason: '',
  headers: new SipHeaders(),
  body: '',
});

function inviteTx(reliable = false) {
  const clock = new ManualClock();
  const sent: Array<{ at: number; status: number }> = [];
  let terminated = false;
  const tx = new InviteServerTransaction({
    clock,
    timers: DEFAULT_TIMERS,
    reliable,
    send: (r) => sent.push({ at: clock.now(), status: r.status }),
    onTerminated: () => (terminated = true),
  });
  return { clock, sent, tx, terminated: () => terminated };
}

describe('INVITE server transaction', () => {
  it('retransmits a 2xx with timer G doubling from T1 to T2 until the ACK', () => {
    const { clock, sent, tx } = inviteTx();
    tx.respond(res(100));
    tx.respond(res(200));
    clock.advance(16_000);
    expect(sent.map((s) => s.at)).toEqual([0, 0, 500, 1500, 3500, 7500, 11500, 15500]);
    tx.ack();
    const n = sent.length;
    clock.advance(10_000);
    expect(sent.length).toBe(n);
    expect(tx.state).toBe('terminated');
  });

  it('gives up after timer H (64·T1) without an ACK and reports it', () => {
    const { clock, tx, terminated } = inviteTx();
    let timedOut: number | undefined;
    tx.onAckTimeout = (final) => (timedOut = final.status);
    tx.respond(res(200));
    clock.advance(31_999);
    expect(timedOut).toBeUndefined();
    clock.advance(1);
    expect(timedOut).toBe(200);
    expect(terminated()).toBe(true);
  });

  it('absorbs a retransmitted INVITE by re-sending the last response', () => {
    const { sent, tx } = inviteTx();
    tx.respond(res(100));
    tx.retransmission();
    tx.respond(res(180));
    tx.retransmission();
    expect(sent.map((s) => s.status)).toEqual([100, 100, 180, 180]);
  });

  it('non-2xx over UDP: G retransmits, ACK confirms, timer I (T4) terminates', () => {
    const { clock, sent, tx, terminated } = inviteTx();
    tx.respond(res(487));
    clock.advance(600);
    expect(sent).toHaveLength(2);
    tx.ack();
    expect(tx.state).toBe('confirmed');
    clock.advance(4_999);
    expect(terminated()).toBe(false);
    clock.advance(1);
    expect(terminated()).toBe(true);
  });

  it('non-2xx over TCP: no retransmission, I is zero', () => {
    const { clock, sent, tx, terminated } = inviteTx(true);
    tx.respond(res(486));
    clock.advance(5_000);
    expect(sent).toHaveLength(1);
    tx.ack();
    clock.advance(0);
    expect(terminated()).toBe(true);
  });
});

describe('non-INVITE server transaction', () => {
  it('absorbs retransmissions while trying, re-sends the final, and ends after timer J (64·T1) over UDP', () => {
    const clock = new ManualClock();
    const sent: number[] = [];
    let done = false;
    const tx = new NonInviteServerTransaction({
      clock,
      timers: DEFAULT_TIMERS,
      reliable: false,
      send: (r) => sent.push(r.status),
      onTerminated: () => (done = true),
    });
    tx.retransmission();
    expect(sent).toEqual([]);
    tx.respond(res(200));
    tx.retransmission();
    expect(sent).toEqual([200, 200]);
    clock.advance(31_999);
    expect(done).toBe(false);
    clock.advance(1);
    expect(done).toBe(true);
  });
});

describe('non-INVITE client transaction', () => {
  const req: SipRequest = {
    kind: 'request',
    method: 'BYE',
    uri: 'sip:x',
    headers: new SipHeaders([['CSeq', '2 BYE']]),
    body: '',
  };
  it('timer E doubles to T2 (T2 once proceeding); timer F gives a synthetic 408', () => {
    const clock = new ManualClock();
    const sends: number[] = [];
    const got: Array<[number, boolean]> = [];
    const tx = new NonInviteClientTransaction(req, {
      clock,
      timers: DEFAULT_TIMERS,
      reliable: false,
      send: () => sends.push(clock.now()),
      onResponse: (r, t) => got.push([r.status, t]),
      onTerminated: () => undefined,
    });
    tx.start();
    clock.advance(7_500);
    expect(sends).toEqual([0, 500, 1500, 3500, 7500]);
    tx.receive(res(100));
    clock.advance(8_000);
    expect(sends.slice(5)).toEqual([11500, 15500]);
    clock.advance(32_000);
    expect(got).toEqual([
      [100, false],
      [408, true],
    ]);
  });
  it('a final response stops retransmission and reports once', () => {
    const clock = new ManualClock();
    const got: number[] = [];
    let sends = 0;
    const tx = new NonInviteClientTransaction(req, {
      clock,
      timers: DEFAULT_TIMERS,
      reliable: false,
      send: () => sends++,
      onResponse: (r) => got.push(r.status),
      onTerminated: () => undefined,
    });
    tx.start();
    tx.receive(res(200));
    tx.receive(res(200));
    clock.advance(40_000);
    expect(got).toEqual([200]);
    expect(sends).toBe(1);
  });
});

describe('INVITE client transaction', () => {
  const invite = (): SipRequest => ({
    kind: 'request',
    method: 'INVITE',
    uri: 'sip:x',
    headers: new SipHeaders([
      ['Via', 'SIP/2.0/UDP h;branch=z9hG4bKa'],
      ['CSeq', '3 INVITE'],
    ]),
    body: '',
  });
  function setup() {
    const clock = new ManualClock();
    const sends: Array<{ at: number; method: string }> = [];
    const got: Array<[number, boolean]> = [];
    let ended = -1;
    const tx = new InviteClientTransaction(invite(), {
      clock,
      timers: DEFAULT_TIMERS,
      reliable: false,
      send: (r) => sends.push({ at: clock.now(), method: r.method }),
      onResponse: (r, t) => got.push([r.status, t]),
      onTerminated: () => (ended = clock.now()),
    });
    return { clock, sends, got, tx, ended: () => ended };
  }
  it('timer A doubles from T1 with no T2 cap; timer B gives a synthetic 408 at 64·T1', () => {
    const { clock, sends, got, tx, ended } = setup();
    tx.start();
    clock.advance(40_000);
    expect(sends.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(got).toEqual([[408, true]]);
    expect(ended()).toBe(32_000);
  });
  it('a provisional stops timer A and B; a non-2xx final is ACKed and timer D (32 s) ends it', () => {
    const { clock, sends, got, tx, ended } = setup();
    tx.start();
    clock.advance(600);
    tx.receive(res(180));
    clock.advance(60_000);
    expect(sends.map((s) => s.at)).toEqual([0, 500]);
    tx.receive(res(486));
    tx.receive(res(486));
    expect(sends.slice(2).map((s) => s.method)).toEqual(['ACK', 'ACK']);
    expect(got).toEqual([
      [180, false],
      [486, false],
    ]);
    clock.advance(31_999);
    expect(tx.state).toBe('completed');
    clock.advance(1);
    expect(ended()).toBe(92_600);
  });
});
