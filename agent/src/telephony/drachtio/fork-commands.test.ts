/**
 * Command strings against the syntax in research §1.2: the `start` line is split the way FreeSWITCH's
 * switch_separate_string does (`^^|` delimiter, single quotes group and are stripped) and must give
 * exactly 10 fields with a non-empty bug name and bidirectional sample rate (§8).
 */
import { describe, expect, it } from 'vitest';
import Endpoint from 'drachtio-fsmrf/lib/endpoint.js';
import {
  buildForkStart,
  checkForkUrl,
  dtmfDurationMs,
  ForkCommandError,
  forkRates,
  negotiatedCodec,
  setVarArgs,
} from './fork-commands.js';
import { FakeDialog, FakeEslConnection, PCMU_ANSWER, settle } from './testing/fakes.js';

/** switch_separate_string as used by uuid_audio_fork (max 10 tokens; quotes group; ^^X delimiter). */
function separate(text: string): string[] {
  let delim = ' ';
  let s = text;
  if (s.startsWith('^^')) {
    delim = s[2]!;
    s = s.slice(3);
  }
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === "'") quoted = !quoted;
    else if (ch === delim && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  // FreeSWITCH drops a trailing empty field (§8).
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

async function startLine(opts: ReturnType<typeof buildForkStart>): Promise<string> {
  const conn = new FakeEslConnection(
    { 'Channel-Unique-ID': 'u-1', variable_rtp_local_sdp_str: PCMU_ANSWER },
    () => {},
  );
  const ep = new Endpoint(conn, new FakeDialog(), {});
  await ep.forkAudioStart(opts);
  await settle();
  return conn.lines[0]!;
}

const input = {
  callId: 'c1',
  from: "O'Brien|x",
  to: '7000',
  profile: 'p',
  codec: { codec: 'PCMU', rate: 8000 },
};

describe('uuid_audio_fork start as fsmrf 4.1.2 sends it', () => {
  it('has 10 fields: uuid start url mono rate bugname metadata true true rate', async () => {
    const line = await startLine(buildForkStart('ws://127.0.0.1:8080/fork', input));
    expect(line.startsWith('api uuid_audio_fork ^^|u-1|start|')).toBe(true);
    const fields = separate(line.slice('api uuid_audio_fork '.length));
    expect(fields).toHaveLength(10);
    expect(fields.slice(0, 6)).toEqual([
      'u-1',
      'start',
      'ws://127.0.0.1:8080/fork',
      'mono',
      '8000',
      'switchboard',
    ]);
    expect(fields.slice(7)).toEqual(['true', 'true', '8000']);
    const meta = JSON.parse(fields[6]!);
    expect(meta).toEqual({
      callId: 'c1',
      from: "O'Brien|x",
      to: '7000',
      profile: 'p',
      sampleRate: 8000,
      playbackSampleRate: 8000,
      codec: 'PCMU',
      source: 'drachtio',
    });
  });

  it('without the sample rate the module would see 9 fields (why we always pass it)', () => {
    const line = "^^|u|start|ws://h/fork|mono|8000|switchboard|'{}'|true|true|";
    expect(separate(line)).toHaveLength(9);
  });

  it('send_text and stop name the bug; the JSON is one quoted token', async () => {
    const conn = new FakeEslConnection({ 'Channel-Unique-ID': 'u-2' }, () => {});
    const ep = new Endpoint(conn, new FakeDialog(), {});
    await ep.forkAudioSendText('switchboard', { type: 'dtmf', data: { digit: '#', duration: 40 } });
    await ep.forkAudioStop('switchboard');
    expect(conn.lines).toEqual([
      `api uuid_audio_fork u-2 send_text switchboard '{"type":"dtmf","data":{"digit":"#","duration":40}}'`,
      'api uuid_audio_fork u-2 stop switchboard',
    ]);
    expect(separate(conn.lines[0]!.slice(20))).toEqual([
      'u-2',
      'send_text',
      'switchboard',
      '{"type":"dtmf","data":{"digit":"#","duration":40}}',
    ]);
  });

  it('an -ERR reply rejects forkAudioStart', async () => {
    const conn = new FakeEslConnection({ 'Channel-Unique-ID': 'u-3' }, () => {});
    conn.reply = '-ERR Operation Failed\n';
    const ep = new Endpoint(conn, new FakeDialog(), {});
    await expect(ep.forkAudioStart(buildForkStart('ws://h/fork', input))).rejects.toThrow(/-ERR/);
  });
});

describe('fork decisions', () => {
  it('picks the codec from the answer SDP and keeps narrowband at 8000 both ways', () => {
    expect(negotiatedCodec(PCMU_ANSWER)).toEqual({ codec: 'PCMU', rate: 8000 });
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
