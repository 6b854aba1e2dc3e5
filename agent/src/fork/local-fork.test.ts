/**
 * The in-process fork: the embedded gateway's ForkLink and the agent's fork server joined by method
 * calls. The same protocol objects cross, nothing is encoded or copied, and the session ends the way a
 * WebSocket session does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../time/clock.js';
import type { CallChannel, CallEvent } from '../conversation/call-channel.js';
import type { CallEndReason } from '../conversation/call-record.js';
import { createLogger } from '../log.js';
import { ForkLink } from '../telephony/embedded/media/fork-link.js';
import { ForkServer } from './fork-server.js';
import type { OutboundCommand } from './protocol.js';

const log = createLogger('silent');

interface AgentCall {
  channel: CallChannel;
  audio: Int16Array[];
  events: CallEvent[];
  closed: CallEndReason[];
}

function setup(o: { throwOnAudio?: boolean } = {}) {
  const calls: AgentCall[] = [];
  const server = new ForkServer({
    credentials: { username: 'u', password: 'password-1', token: 'token-0123456789abcdef' },
    log,
    createCall: (channel) => {
      const call: AgentCall = { channel, audio: [], events: [], closed: [] };
      calls.push(call);
      return {
        onAudio: (pcm) => {
          if (o.throwOnAudio) throw new Error('conversation broke');
          call.audio.push(pcm);
        },
        onEvent: (e) => void call.events.push(e),
        close: (r) => {
          call.closed.push(r);
          return Promise.resolve();
        },
      };
    },
  });
  const hangups: string[] = [];
  const commands: OutboundCommand[] = [];
  const marks: string[] = [];
  const link = new ForkLink({
    inProcess: server,
    metadata: { callId: 'local-1', from: 'a', to: '7000', sampleRate: 8000, playbackSampleRate: 8000 },
    callRate: 8000,
    clock: systemClock,
    log,
    events: {
      onTransfer: () => undefined,
      onSendDtmf: () => undefined,
      onHangupRequested: (r) => void hangups.push(r),
      onCommand: (c) => void commands.push(c),
      onMark: (name, event) => void marks.push(`${name}:${event}`),
    },
  });
  cleanups.push(() => link.close());
  return { server, link, calls, hangups, commands, marks };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('in-process fork', () => {
  it('the metadata arrives as the object it is; caller frames arrive as the very arrays sent', async () => {
    const s = setup();
    await s.link.connect();
    expect(s.server.activeCalls).toBe(1);
    const call = s.calls[0]!;
    expect(call.channel.metadata).toEqual({
      callId: 'local-1',
      from: 'a',
      to: '7000',
      sampleRate: 8000,
      playbackSampleRate: 8000,
      extra: {},
    });
    const frame = new Int16Array(160).fill(1234);
    s.link.sendAudio(frame);
    s.link.sendAudio(new Int16Array(0)); // never an empty frame
    expect(call.audio).toHaveLength(1);
    expect(call.audio[0]).toBe(frame);
    expect(s.link.framesSent).toBe(1);
  });

  it("the agent's audio, marks, killAudio and commands reach the media side as objects", async () => {
    const s = setup();
    await s.link.connect();
    const ch = s.calls[0]!.channel;
    ch.sendAudio(new Int16Array(320).fill(500));
    ch.mark('m1');
    ch.transfer('sip:sales@example.com');
    ch.sendDtmf('12');
    expect(s.link.pull(160)?.[0]).toBe(500);
    expect(s.link.pull(160)?.[0]).toBe(500); // the mark's audio has played
    expect(s.marks).toEqual(['m1:playout']);
    expect(s.calls[0]!.events).toContainEqual({ type: 'mark', name: 'm1', event: 'playout' });
    ch.sendAudio(new Int16Array(320).fill(500));
    ch.killAudio();
    expect(s.link.pull(160)).toBeUndefined();
    expect(s.commands).toEqual([
      { type: 'mark', name: 'm1' },
      { type: 'transfer', target: 'sip:sales@example.com' },
      { type: 'json', data: { action: 'sendDtmf', digits: '12' } },
      { type: 'killAudio' },
    ]);
  });

  it('the agent hangs up: disconnect reaches the media side, the session ends with its reason', async () => {
    const s = setup();
    await s.link.connect();
    s.calls[0]!.channel.hangup('agent_hangup');
    expect(s.hangups).toEqual(['agent_hangup']);
    expect(s.calls[0]!.closed).toEqual(['agent_hangup']);
    expect(s.server.activeCalls).toBe(0);
  });

  it('the media side ends the call: hangup notice, then close; the conversation hears both once', async () => {
    const s = setup();
    await s.link.connect();
    s.link.notify({ type: 'hangup', reason: 'caller_hangup' });
    s.link.close();
    s.link.sendAudio(new Int16Array(160));
    const call = s.calls[0]!;
    expect(call.events).toEqual([{ type: 'hangup', reason: 'caller_hangup' }]);
    expect(call.closed).toEqual(['caller_hangup']);
    expect(call.audio).toEqual([]);
    expect(s.server.activeCalls).toBe(0);
  });

  it('the agent shuts down: the media side is told (1001) and asks to hang up as a shutdown', async () => {
    const s = setup();
    await s.link.connect();
    s.server.close();
    expect(s.hangups).toEqual(['shutdown']);
    expect(s.calls[0]!.closed).toEqual(['shutdown']);
  });

  it('a conversation that throws does not break the media path: the call ends with an error', async () => {
    const s = setup({ throwOnAudio: true });
    await s.link.connect();
    expect(() => s.link.sendAudio(new Int16Array(160))).not.toThrow();
    expect(s.calls[0]!.closed).toEqual(['error']);
    expect(s.hangups).toEqual(['fork_closed']);
  });

  it('bad metadata is refused as a connect error, as the WebSocket server would', async () => {
    const s = setup();
    const bad = new ForkLink({
      inProcess: s.server,
      metadata: { callId: 'x', from: 'a', to: 'b', sampleRate: 12000 as 8000, playbackSampleRate: 8000 },
      callRate: 8000,
      clock: systemClock,
      log,
      events: {
        onTransfer: () => undefined,
        onSendDtmf: () => undefined,
        onHangupRequested: () => undefined,
      },
    });
    await expect(bad.connect()).rejects.toMatchObject({ code: 'fork_connect_failed' });
    expect(s.server.activeCalls).toBe(0);
  });
});
