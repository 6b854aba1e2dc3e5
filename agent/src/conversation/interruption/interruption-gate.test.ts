import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { DEFAULT_BACKCHANNELS } from '../../config/profile-schema.js';
import { BackchannelMatcher } from './backchannel.js';
import { InterruptionGate } from './interruption-gate.js';

function setup() {
  const clock = new ManualClock();
  const verdicts: string[] = [];
  const gate = new InterruptionGate(clock, {
    minDurationMs: 300,
    falseInterruptionMs: 1000,
    maxWordlessMs: 4000,
    backchannels: new BackchannelMatcher(DEFAULT_BACKCHANNELS),
  });
  const sink = {
    interrupt: () => verdicts.push(`interrupt@${clock.now()}`),
    resume: () => verdicts.push(`resume@${clock.now()}`),
  };
  return { clock, gate, verdicts, open: () => gate.begin('pause', sink, clock.now()) };
}

describe('InterruptionGate', () => {
  it('a real word interrupts once the caller has spoken for the minimum duration', () => {
    const t = setup();
    t.open();
    t.clock.advance(120);
    t.gate.onTranscript('Wait', false);
    expect(t.verdicts).toEqual([]);
    t.clock.advance(180);
    expect(t.verdicts).toEqual(['interrupt@300']);
    expect(t.gate.active).toBe(false);
  });

  it('a backchannel never interrupts, however long; its turn resumes the reply', () => {
    const t = setup();
    t.open();
    t.gate.onTranscript('Uh-huh', false);
    t.clock.advance(600);
    t.gate.onSpeechEnd(t.clock.now());
    t.gate.onTranscript('Uh-huh.', true);
    expect(t.verdicts).toEqual([]);
    expect(t.gate.onTurn('Uh-huh.')).toBe('resume');
    expect(t.verdicts).toEqual(['resume@600']);
  });

  it('an interim "I" of "I see" is not yet a real word; the final "I see." is a backchannel', () => {
    const t = setup();
    t.open();
    t.gate.onTranscript('I', false);
    t.clock.advance(500);
    expect(t.verdicts).toEqual([]);
    t.gate.onSpeechEnd(500);
    t.gate.onTranscript('I see.', true);
    t.clock.advance(999);
    expect(t.verdicts).toEqual([]);
    t.clock.advance(1);
    expect(t.verdicts).toEqual(['resume@1500']);
  });

  it('a cough (no words) resumes after the false-interruption window from its end, or at once on a wordless end', () => {
    const t = setup();
    t.open();
    t.clock.advance(200);
    t.gate.onSpeechEnd(200);
    t.clock.advance(999);
    expect(t.verdicts).toEqual([]);
    t.clock.advance(1);
    expect(t.verdicts).toEqual(['resume@1200']);

    const u = setup();
    u.open();
    u.clock.advance(200);
    u.gate.onSpeechEnd(200);
    u.clock.advance(100);
    u.gate.onWordless();
    expect(u.verdicts).toEqual(['resume@300']);
  });

  it('a short real word ("No.") waits for the turn decision, which interrupts', () => {
    const t = setup();
    t.open();
    t.clock.advance(200);
    t.gate.onSpeechEnd(200);
    t.gate.onTranscript('No.', true);
    t.clock.advance(1500);
    expect(t.verdicts).toEqual([]);
    expect(t.gate.onTurn('No.')).toBe('interrupt');
    expect(t.verdicts).toEqual(['interrupt@1700']);
  });

  it('speech that starts again before the window ends keeps the gate open; wordless noise is bounded', () => {
    const t = setup();
    t.open();
    t.clock.advance(100);
    t.gate.onSpeechEnd(100);
    t.clock.advance(800);
    t.gate.onSpeechStart(900);
    t.clock.advance(2000);
    expect(t.verdicts).toEqual([]);
    t.clock.advance(1100); // 4 s of sound with no words since the pause
    expect(t.verdicts).toEqual(['resume@4000']);
  });
});
