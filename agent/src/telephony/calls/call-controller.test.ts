/** The per-call state machine with a hand-driven clock; both back-ends run it (test/call-control proves that). */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { DEFAULT_PROFILES, profilesFileSchema } from '../../config/profile-schema.js';
import { DEFAULT_CONVERSATION_OPTIONS } from '../../conversation/conversation-options.js';
import type { InboundMessage } from '../../fork/protocol.js';
import { createLogger } from '../../log.js';
import { Router } from '../../routing/router.js';
import { CallController, type Teardown } from './call-controller.js';
import { CALL_TIMEOUTS } from './call-timeouts.js';

const SALES = 'sip:sales@pbx.example.com';

function setup() {
  const clock = new ManualClock();
  const router = new Router(
    profilesFileSchema.parse({
      ...DEFAULT_PROFILES,
      profiles: [{ ...DEFAULT_PROFILES.profiles[0]!, transferTargets: [{ name: 'sales', uri: SALES }] }],
    }),
  );
  const refers: string[] = [];
  const dtmf: string[] = [];
  const teardowns: Teardown[] = [];
  const notices: Array<InboundMessage & { at: number }> = [];
  const ended: string[] = [];
  const c = new CallController({
    callId: 'c1',
    profile: router.defaultProfile,
    router,
    clock,
    log: createLogger('silent'),
    leg: {
      refer: (t) => refers.push(t),
      sendDtmf: (d) => dtmf.push(d),
      release: (t) => void teardowns.push(t),
    },
    agent: { notify: (m) => notices.push({ ...m, at: clock.now() }) },
    onEnded: (r) => ended.push(r),
  });
  const talking = () => {
    c.answered();
    c.agentConnected();
  };
  const results = () => notices.filter((n) => n.type === 'transferResult');
  return { c, clock, refers, dtmf, teardowns, notices, ended, talking, results };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('CallController: states', () => {
  it('offered → answered → active ⇄ held; nothing reaches the agent before its link is up', () => {
    const s = setup();
    expect(s.c.state).toBe('offered');
    s.c.answered();
    s.c.callerDtmf('5');
    expect(s.notices).toEqual([]);
    s.c.agentConnected();
    expect(s.c.state).toBe('active');
    s.c.callerHold(true);
    expect(s.c.state).toBe('held');
    s.c.callerHold(false);
    expect(s.c.state).toBe('active');
  });
});

describe('CallController: transfer', () => {
  it('a target outside the profile is refused without a REFER', () => {
    const s = setup();
    s.talking();
    s.c.agentTransfer('sip:mallory@evil.example');
    expect(s.refers).toEqual([]);
    expect(s.results()).toMatchObject([{ ok: false, status: 403 }]);
    expect(s.c.state).toBe('active');
  });

  it('REFER accepted, NOTIFY 100 then 200: the agent hears success and we BYE the caller', async () => {
    const s = setup();
    s.talking();
    s.c.agentTransfer('sales');
    expect(s.refers).toEqual([SALES]);
    expect(s.c.state).toBe('transferring');
    s.c.agentTransfer('sales');
    expect(s.results()).toMatchObject([{ ok: false, status: 491 }]);
    s.c.referAnswered(202);
    s.c.referNotify('SIP/2.0 100 Trying', 'active;expires=60');
    expect(s.results()).toHaveLength(1);
    s.c.referNotify('SIP/2.0 200 OK', 'terminated;reason=noresource');
    await settle();
    expect(s.results()[1]).toMatchObject({ ok: true, status: 200 });
    expect(s.teardowns).toEqual([
      { reason: 'transferred', tellAgent: true, byeCaller: true, apologise: false },
    ]);
    expect(s.ended).toEqual(['transferred']);
  });

  it('REFER declined: failure, the call stays and can transfer again', () => {
    const s = setup();
    s.talking();
    s.c.agentTransfer('sales');
    s.c.referAnswered(603, 'Decline');
    expect(s.results()).toMatchObject([{ ok: false, status: 603, reason: 'Decline' }]);
    expect(s.c.state).toBe('active');
    s.c.agentTransfer('sales');
    expect(s.refers).toHaveLength(2);
  });

  it('a NOTIFY with a failure, or a subscription ended without one, fails the transfer', () => {
    const s = setup();
    s.talking();
    s.c.agentTransfer('sales');
    s.c.referAnswered(202);
    s.c.referNotify('SIP/2.0 486 Busy Here', 'terminated');
    s.c.agentTransfer('sales');
    s.c.referAnswered(202);
    s.c.referNotify('', 'terminated;reason=timeout');
    expect(s.results().map((r) => r.type === 'transferResult' && r.status)).toEqual([486, 500]);
  });

  it('one deadline: the agent is told 408 at transferMs, never earlier, and the conversation waits longer', () => {
    const s = setup();
    s.talking();
    s.c.agentTransfer('sales');
    s.c.referAnswered(202);
    s.clock.advance(CALL_TIMEOUTS.transferMs - 1);
    expect(s.results()).toEqual([]);
    s.clock.advance(1);
    expect(s.results()).toMatchObject([{ ok: false, status: 408, at: CALL_TIMEOUTS.transferMs }]);
    expect(s.c.state).toBe('active');
    // The conversation's own wait outlasts ours: it hears our outcome, never its own time-out.
    expect(DEFAULT_CONVERSATION_OPTIONS.timeouts.transferMs).toBeGreaterThan(CALL_TIMEOUTS.transferMs);
  });

  it('an outcome just before the deadline is the outcome the agent hears', async () => {
    const s = setup();
    s.talking();
    s.c.agentTransfer('sales');
    s.c.referAnswered(202);
    s.clock.advance(CALL_TIMEOUTS.transferMs - 1);
    s.c.referNotify('SIP/2.0 200 OK', 'terminated');
    s.clock.advance(10_000);
    await settle();
    expect(s.results()).toMatchObject([{ ok: true, status: 200 }]);
    expect(s.ended).toEqual(['transferred']);
  });

  it('the transferee hangs up after accepting (no final NOTIFY): the call ended as transferred', async () => {
    const s = setup();
    s.talking();
    s.c.agentTransfer('sales');
    s.c.referAnswered(202);
    await s.c.callerHungUp();
    expect(s.results()).toMatchObject([{ ok: true }]);
    expect(s.teardowns).toEqual([
      { reason: 'transferred', tellAgent: true, byeCaller: false, apologise: false },
    ]);
  });

  it('while held the caller may still be transferred (hold before a transfer is usual)', () => {
    const s = setup();
    s.talking();
    s.c.callerHold(true);
    s.c.agentTransfer('sales');
    s.c.referAnswered(603);
    expect(s.c.state).toBe('held');
  });
});

describe('CallController: DTMF', () => {
  it('caller digits go to the agent upper-cased with their duration; junk is dropped', () => {
    const s = setup();
    s.talking();
    s.c.callerDtmf('a', 120);
    s.c.callerDtmf('x');
    expect(s.notices).toMatchObject([{ type: 'dtmf', digit: 'A', durationMs: 120 }]);
  });

  it('agent digits go to the caller when valid and the caller is not holding us', () => {
    const s = setup();
    s.talking();
    s.c.agentDtmf('1x');
    s.c.agentDtmf('42#');
    s.c.callerHold(true);
    s.c.agentDtmf('9');
    expect(s.dtmf).toEqual(['42#']);
  });
});

describe('CallController: who is told when the call ends', () => {
  it.each([
    ['callerHungUp', 'caller_hangup', { tellAgent: true, byeCaller: false, apologise: false }],
    ['agentHangup', 'agent_hangup', { tellAgent: false, byeCaller: true, apologise: false }],
  ] as const)('%s → %s', async (method, reason, flags) => {
    const s = setup();
    s.talking();
    await s.c[method]();
    expect(s.teardowns).toEqual([{ reason, ...flags }]);
    expect(s.c.state).toBe('ended');
    await s.c.end('shutdown');
    expect(s.teardowns).toHaveLength(1);
  });

  it("the agent's own reason is kept (stt_failed); an unknown one is an agent hangup", async () => {
    const a = setup();
    a.talking();
    await a.c.agentHangup('stt_failed');
    const b = setup();
    b.talking();
    await b.c.agentHangup('whatever');
    expect([a.c.endReason, b.c.endReason]).toEqual(['stt_failed', 'agent_hangup']);
  });

  it('the agent never came: apologise and BYE, no notice', async () => {
    const s = setup();
    s.c.answered();
    await s.c.end('fork_failed');
    expect(s.teardowns).toEqual([
      { reason: 'fork_failed', tellAgent: false, byeCaller: true, apologise: true },
    ]);
  });
});
