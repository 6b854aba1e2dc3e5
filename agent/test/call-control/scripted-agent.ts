/**
 * TEST-ONLY: the agent side of a call as call control sees it, scripted. It stands where the
 * conversation engine stands (behind the fork server's CallFactory, so the same fork protocol objects
 * reach it from either back-end): it records each call's metadata, events and end, and the test drives
 * its CallChannel (transfer, DTMF, hangup) by hand.
 */
import type { CallChannel, CallEvent } from '../../src/conversation/call-channel.js';
import type { CallEndReason } from '../../src/conversation/call-record.js';
import type { CallFactory } from '../../src/fork/fork-session.js';

export interface ScriptedCall {
  channel: CallChannel;
  events: Array<CallEvent & { at: number }>;
  frames: number;
  closed: CallEndReason | undefined;
}

export class ScriptedAgent {
  readonly calls: ScriptedCall[] = [];

  readonly factory: CallFactory = (channel) => {
    const call: ScriptedCall = { channel, events: [], frames: 0, closed: undefined };
    this.calls.push(call);
    return {
      onAudio: () => void call.frames++,
      onEvent: (e) => void call.events.push({ ...e, at: Date.now() }),
      close: (reason) => {
        call.closed ??= reason;
        return Promise.resolve();
      },
    };
  };

  /** The call whose metadata callId is `callId` (the SIP Call-ID), once its fork is up. */
  async call(callId: string, timeoutMs = 10_000): Promise<ScriptedCall> {
    return until(
      () => this.calls.find((c) => c.channel.metadata.callId === callId),
      timeoutMs,
      `call ${callId}`,
    );
  }
}

/** Poll `f` until it returns something (bounded), then return it. */
export async function until<T>(f: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Poll an async condition until it holds (bounded). */
export async function untilAsync(f: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
