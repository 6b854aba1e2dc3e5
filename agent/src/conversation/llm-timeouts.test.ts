/** The LLM watch (issue 11 races): an already-cancelled turn never reaches the LLM; timeouts are typed. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { ProviderError } from '../providers/errors.js';
import { withTimeouts } from './llm-timeouts.js';

describe('withTimeouts', () => {
  it('a turn already cancelled when its LLM call starts: the call signal is aborted at once, with the same reason', () => {
    const turn = new AbortController();
    turn.abort(new Error('replaced by a newer turn'));
    const watch = withTimeouts(new ManualClock(), turn.signal, 6000, 5000);
    expect(watch.signal.aborted).toBe(true);
    expect((watch.signal.reason as Error).message).toBe('replaced by a newer turn');
    expect(watch.timedOut).toBeUndefined();
    watch.dispose();
  });

  it('first token, then the gap between events, time out as a retryable ProviderError; a shorter wait may be asked for', () => {
    const clock = new ManualClock();
    const watch = withTimeouts(clock, new AbortController().signal, 1000, 3000);
    clock.advance(900);
    expect(watch.tick()).toBe(true);
    clock.advance(2900);
    expect(watch.tick(500)).toBe(false); // nothing heard yet: the next event is due sooner
    clock.advance(499);
    expect(watch.signal.aborted).toBe(false);
    clock.advance(1);
    expect(watch.signal.aborted).toBe(true);
    expect(watch.timedOut).toBeInstanceOf(ProviderError);
    expect(watch.timedOut).toMatchObject({ provider: 'llm', code: 'timeout', retryable: true });
  });
});
