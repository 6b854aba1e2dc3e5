import { TextChunker } from './text-chunker.js';
import { describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';

function toolMessages(h: Harness, request = -1): string[] {
  return h.llm.requests.at(request)!.messages.flatMap((m) => (m.role === 'tool' ? [m.content] : []));
}

const call = (name: string, args: unknown, id = `call-${name}`) => ({
  toolCalls: [{ id, name, arguments: JSON.stringify(args) }],
});

describe('Conversation: tools', () => {
  it('transfer_call to an allowed target sends the transfer and reports it to the LLM', async () => {
    const h = await startHarness({
      llm: [[...tokens('Connecting you now.'), call('transfer_call', { target: 'sales' })]],
    });
    h.channel.onCommand = (c) => {
      if (c.type === 'transfer')
        queueMicrotask(() => h.conv.onEvent({ type: 'transferResult', ok: true, status: 202 }));
    };
    await h.untilListening();
    await h.say('Sales please.');
    await h.untilListening();
    expect(h.channel.of('transfer').map((t) => t.target)).toEqual(['sip:sales@pbx.example.com']);
    expect(h.llm.requests).toHaveLength(1); // a successful transfer ends the turn: no further LLM call
    const turn = h.observer.turns.find((t) => t.index === 1)!;
    expect(turn.toolCalls).toEqual([
      { name: 'transfer_call', arguments: '{"target":"sales"}', result: '{"ok":true,"status":202}' },
    ]);
    await h.conv.close('caller_hangup');
    expect(h.observer.ended?.reason).toBe('transferred');
  });

  it('transfer_call to a target not in the profile is refused with an error result', async () => {
    const h = await startHarness({
      llm: [
        [call('transfer_call', { target: 'sip:attacker@evil.example' })],
        tokens('I cannot transfer you there.'),
      ],
    });
    await h.untilListening();
    await h.say('Transfer me to sip attacker.');
    await h.untilListening();
    expect(h.channel.of('transfer')).toEqual([]);
    expect(toolMessages(h)[0]).toMatch(/unknown transfer target; allowed targets: sales/);
    expect(h.tts.spoken().at(-1)).toBe('I cannot transfer you there.');
  });

  it('a failed transfer goes back to the LLM, which says so, and the call stays up', async () => {
    const h = await startHarness({
      llm: [[call('transfer_call', { target: 'sales' })], tokens('Sorry, sales is busy right now.')],
    });
    h.channel.onCommand = (c) => {
      if (c.type === 'transfer') {
        queueMicrotask(() =>
          h.conv.onEvent({ type: 'transferResult', ok: false, status: 486, reason: 'Busy Here' }),
        );
      }
    };
    await h.untilListening();
    await h.say('Sales please.');
    await h.untilListening();
    expect(toolMessages(h)).toEqual(['{"ok":false,"status":486,"reason":"Busy Here"}']);
    expect(h.tts.spoken().at(-1)).toBe('Sorry, sales is busy right now.');
    expect(h.channel.of('hangup')).toEqual([]);
  });

  it('a failed transfer the model says nothing about gets the fallback sentence', async () => {
    const h = await startHarness({ llm: [[call('transfer_call', { target: 'sales' })], []] });
    h.channel.onCommand = (c) => {
      if (c.type === 'transfer')
        queueMicrotask(() => h.conv.onEvent({ type: 'transferResult', ok: false, status: 480 }));
    };
    await h.untilListening();
    await h.say('Sales please.');
    await h.untilListening();
    expect(h.tts.spoken().at(-1)).toBe("Sorry, I couldn't transfer your call.");
  });

  it('end_call says goodbye, waits for playout to drain, then hangs up', async () => {
    const h = await startHarness({ llm: [[...tokens('Goodbye, have a nice day!'), call('end_call', {})]] });
    await h.untilListening();
    const t0 = h.clock.now();
    await h.say('Bye.');
    for (let i = 0; i < 500 && h.channel.of('hangup').length === 0; i++) await h.advance(10);
    const hangup = h.channel.of('hangup');
    expect(hangup).toEqual([{ type: 'hangup', reason: 'agent_hangup', at: expect.any(Number) }]);
    const audio = h.channel.of('audio').filter((a) => a.at >= t0);
    const goodbyeMs = (audio.reduce((n, a) => n + a.samples, 0) * 1000) / 8000;
    // The fake TTS speaks 60 ms per character of each piece the chunker cut.
    const chunker = new TextChunker();
    const pieces = [...chunker.push('Goodbye, have a nice day!'), chunker.flush() ?? ''];
    expect(goodbyeMs).toBeCloseTo(pieces.join('').length * 60, -1);
    expect(hangup[0]!.at).toBeGreaterThanOrEqual(audio[0]!.at + goodbyeMs);
    await h.conv.close('caller_hangup');
    expect(h.observer.ended?.reason).toBe('agent_hangup');
  });

  it('send_dtmf sends valid digits and refuses anything else', async () => {
    const h = await startHarness({
      llm: [
        [call('send_dtmf', { digits: '12*#A' }, 'a')],
        tokens('Done.'),
        [call('send_dtmf', { digits: '9x' }, 'b')],
        [],
      ],
    });
    await h.untilListening();
    await h.say('Press one two star hash A.');
    await h.untilListening();
    expect(h.channel.of('dtmf').map((d) => d.digits)).toEqual(['12*#A']);
    await h.say('Now press nine x.');
    await h.untilListening();
    expect(h.channel.of('dtmf')).toHaveLength(1);
    expect(toolMessages(h).at(-1)).toMatch(/digits must be/);
  });

  it('bounds tool loops at three LLM calls per turn', async () => {
    const loop = [call('send_dtmf', { digits: '1' })];
    const h = await startHarness({ llm: [loop, loop, loop, loop, loop] });
    await h.untilListening();
    await h.say('Loop forever.');
    await h.untilListening();
    expect(h.llm.requests).toHaveLength(3);
    expect(h.channel.of('dtmf')).toHaveLength(2);
    const turn = h.observer.turns.find((t) => t.index === 1)!;
    expect(turn.toolCalls.at(-1)!.result).toMatch(/tool step limit/);
  });

  it('an unknown tool name gets an error result, not a crash', async () => {
    const h = await startHarness({ llm: [[call('launch_rockets', {})], tokens('I cannot do that.')] });
    await h.untilListening();
    await h.say('Launch.');
    await h.untilListening();
    expect(toolMessages(h)).toEqual(['{"error":"unknown tool launch_rockets"}']);
  });
});
