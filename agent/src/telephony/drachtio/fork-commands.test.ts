/**
 * Command strings against the syntax in research §1.2: the `start` line is split the way FreeSWITCH's
 * switch_separate_string does (`^^|` delimiter, single quotes group and are stripped) and must give
 * exactly 10 fields with a non-empty bug name and bidirectional sample rate (§8).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildForkStart,
  checkForkUrl,
  dtmfDurationMs,
  ForkCommandError,
  forkRates,
  negotiatedCodec,
  setVarArgs,
} from './fork-commands.js';
import { separateString } from './testing/fake-freeswitch/api/separate-string.js';
import { mrfCall, waitUntil, type MrfCall } from './testing/fake-freeswitch/testing/mrf-call.js';

let call: MrfCall | undefined;
afterEach(async () => {
  await call?.close();
  call = undefined;
});

/** A real fsmrf Endpoint on the fake FreeSWITCH: the api lines are what fsmrf really writes. */
async function endpoint(): Promise<MrfCall> {
  call = await mrfCall();
  return call;
}

function apiLines(c: MrfCall): string[] {
  return c.fs.apiLog
    .filter((a) => a.command === 'uuid_audio_fork')
    .map((a) => `${a.command} ${a.args ?? ''}`.trim());
}

const input = {
  callId: 'c1',
  from: "O'Brien|x",
  to: '7000',
  profile: 'p',
  codec: { codec: 'PCMU', rate: 8000 },
};

describe('uuid_audio_fork as fsmrf 4.1.2 sends it, parsed as FreeSWITCH does (the fake FreeSWITCH)', () => {
  it('start has 10 fields: uuid start url mono rate bugname metadata true true rate', async () => {
    const c = await endpoint();
    await c.ep.forkAudioStart(buildForkStart(`${c.fork.url}`, input));
    const line = apiLines(c)[0]!;
    expect(line.startsWith(`uuid_audio_fork ^^|${c.ep.uuid}|start|`)).toBe(true);
    const fields = separateString(line.slice('uuid_audio_fork '.length), ' ', 10);
    expect(fields).toHaveLength(10);
    expect(fields.slice(1, 6)).toEqual(['start', c.fork.url, 'mono', '8000', 'switchboard']);
    expect(fields.slice(7)).toEqual(['true', 'true', '8000']);
    expect(JSON.parse(fields[6]!)).toEqual({
      callId: 'c1',
      from: "O'Brien|x",
      to: '7000',
      profile: 'p',
      sampleRate: 8000,
      playbackSampleRate: 8000,
      codec: 'PCMU',
      source: 'drachtio',
    });
    // What the module made of it: streamed audio back will play (all three bidirectional fields).
    expect(c.fs.forks()[0]).toMatchObject({ bugname: 'switchboard', sampling: 8000, writeReplace: true });
    const conn = await c.fork.waitConnection(0, 5000);
    await waitUntil(() => conn.texts().length > 0, 3000, 'metadata frame');
    expect(JSON.parse(conn.texts()[0]!)).toMatchObject({ callId: 'c1', from: "O'Brien|x" });
  });

  it('without the sample rate the module would see 9 fields (why we always pass it)', () => {
    const line = "^^|u|start|ws://h/fork|mono|8000|switchboard|'{}'|true|true|";
    expect(separateString(line, ' ', 10)).toHaveLength(9);
  });

  it('send_text and stop name the bug; the JSON is one quoted token the agent receives whole', async () => {
    const c = await endpoint();
    await c.ep.forkAudioStart(buildForkStart(c.fork.url, input));
    const conn = await c.fork.waitConnection(0, 5000);
    await c.ep.forkAudioSendText('switchboard', { type: 'dtmf', data: { digit: '#', duration: 40 } });
    await c.ep.forkAudioStop('switchboard');
    const uuid = c.ep.uuid;
    expect(apiLines(c).slice(1)).toEqual([
      `uuid_audio_fork ${uuid} send_text switchboard '{"type":"dtmf","data":{"digit":"#","duration":40}}'`,
      `uuid_audio_fork ${uuid} stop switchboard`,
    ]);
    expect((await conn.closed).code).toBe(1000);
    expect(conn.texts()).toContain('{"type":"dtmf","data":{"digit":"#","duration":40}}');
  });

  it('an -ERR reply rejects forkAudioStart (a second bug of the same name)', async () => {
    const c = await endpoint();
    await c.ep.forkAudioStart(buildForkStart(c.fork.url, input));
    await expect(c.ep.forkAudioStart(buildForkStart(c.fork.url, input))).rejects.toThrow(/-ERR/);
  });
});

describe('fork decisions', () => {
  it('picks the codec from the answer SDP and keeps narrowband at 8000 both ways', () => {
    expect(negotiatedCodec('v=0\r\nm=audio 20000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n')).toEqual({
      codec: 'PCMU',
      rate: 8000,
    });
    expect(negotiatedCodec('m=audio 1 RTP/AVP 8 0\r\n')).toEqual({ codec: 'PCMA', rate: 8000 });
    expect(negotiatedCodec('m=audio 1 RTP/AVP 9\r\n')).toEqual({ codec: 'G722', rate: 16000 });
    expect(negotiatedCodec('m=audio 1 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n')).toEqual({
      codec: 'OPUS',
      rate: 48000,
    });
    expect(forkRates({ codec: 'PCMA', rate: 8000 })).toEqual({ sampleRate: 8000, playbackSampleRate: 8000 });
    expect(forkRates({ codec: 'OPUS', rate: 48000 })).toEqual({
      sampleRate: 16000,
      playbackSampleRate: 16000,
    });
  });

  it('refuses long or unsafe fork URLs (an ~800 character URL crashed FreeSWITCH)', () => {
    expect(() => checkForkUrl(`ws://h/${'a'.repeat(300)}`)).toThrow(ForkCommandError);
    expect(() => checkForkUrl('ws://h/fork|x')).toThrow(ForkCommandError);
    expect(() => checkForkUrl('http://h/fork')).toThrow(ForkCommandError);
    expect(checkForkUrl('wss://agent.example:8443/fork')).toBe('wss://agent.example:8443/fork');
  });

  it('uuid_setvar values cannot smuggle extra arguments; DTMF durations become milliseconds', () => {
    expect(setVarArgs('u', 'MOD_AUDIO_BASIC_AUTH_PASSWORD', 'p4ss')).toBe(
      'u MOD_AUDIO_BASIC_AUTH_PASSWORD p4ss',
    );
    expect(() => setVarArgs('u', 'X', 'a b')).toThrow(ForkCommandError);
    expect(dtmfDurationMs('1600')).toBe(200);
    expect(dtmfDurationMs(undefined)).toBeUndefined();
  });
});
